# Writes the dashboard's own files (DIR/index.html, app.js, app.css) as C
# arrays into OUT (cmake -P), so the gateway serves the page it was built
# with and never looks for it at run time. ECharts is not embedded: it is read
# at start from the npm install (HRSS_ECHARTS_JS, dashboard.c).
set(text "/* generated from ${DIR}: do not edit */\n#include <stddef.h>\n")
foreach(name index.html app.js app.css)
  string(MAKE_C_IDENTIFIER "dashboard_${name}" id)
  file(READ ${DIR}/${name} content HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
  string(APPEND text "const unsigned char ${id}[] = {${bytes} 0x00};\n"
    "const size_t ${id}_len = sizeof ${id} - 1;\n")
endforeach()
file(WRITE ${OUT} "${text}")
