/// @file catch.h
/// @brief Includes Catch2's test macros, whichever major version is installed (2.13 or 3.x).
///
/// Debian 12 ships Catch2 2.13 (one header, `catch2/catch.hpp`); Ubuntu 24.04 ships 3.4 (split
/// headers and a compiled library). Tests include this header and use only macros both provide.
#pragma once

#if WB_CATCH2_MAJOR >= 3
#include <catch2/catch_session.hpp>
#include <catch2/catch_test_macros.hpp>
#else
#ifdef WB_CATCH_MAIN_TU
#define CATCH_CONFIG_RUNNER
#endif
#include <catch2/catch.hpp>
#endif
