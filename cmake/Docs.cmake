# `make docs`: a Doxygen site whose main page is README.md, with every chapter's lesson as a page
# and the API of common/ and the chapter headers. Warnings are errors (an undocumented API fails).
find_package(Doxygen QUIET COMPONENTS dot)
set(WB_DOCS_DIR ${PROJECT_BINARY_DIR}/docs)
if(DOXYGEN_FOUND)
  file(GLOB WB_LESSONS ${PROJECT_SOURCE_DIR}/chapters/*/README.md)
  file(GLOB WB_CHAPTER_HEADERS ${PROJECT_SOURCE_DIR}/chapters/*/*.h)
  list(JOIN WB_LESSONS " " WB_DOXYGEN_LESSONS)
  list(JOIN WB_CHAPTER_HEADERS " " WB_DOXYGEN_CHAPTER_HEADERS)
  # The lessons' figures (chapters/NN-slug/figures/chNN-*.png): Doxygen finds a lesson's images
  # by file name in IMAGE_PATH, which it does not search recursively.
  file(GLOB WB_FIGURE_DIRS LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/chapters/*/figures)
  list(JOIN WB_FIGURE_DIRS " " WB_DOXYGEN_FIGURE_DIRS)
  configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${WB_DOCS_DIR}/Doxyfile @ONLY)
  add_custom_target(docs
    COMMAND Doxygen::doxygen ${WB_DOCS_DIR}/Doxyfile
    COMMAND ${CMAKE_COMMAND} -E echo "Docs: ${WB_DOCS_DIR}/html/index.html"
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Building the Doxygen site (warnings are errors)"
    USES_TERMINAL)
else()
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo "Doxygen with graphviz is needed: run scripts/bootstrap.sh docs (or: sudo apt-get install doxygen graphviz), then reconfigure."
    COMMAND ${CMAKE_COMMAND} -E false)
endif()

add_custom_target(notebooks
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/run-notebooks.sh ${PROJECT_BINARY_DIR}/notebooks
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Executing the notebooks into ${PROJECT_BINARY_DIR}/notebooks"
  USES_TERMINAL)

# `make figures`: the lessons' figures (chapters/NN-slug/figures/*.png), drawn from the recorded
# results by the notebooks' plotting code (notebooks/workbook_figures.py). CI checks them with
# scripts/figures.sh --check.
add_custom_target(figures
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/figures.sh
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Drawing the lessons' figures into chapters/*/figures/"
  USES_TERMINAL)
