# Writes the bytes of IN as a C array into OUT (cmake -P), so the gateway can
# serve its OpenAPI description without looking for a file at run time.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* generated from ${IN}: do not edit */\n"
  "const unsigned char openapi_yaml[] = {${bytes} 0x00};\n"
  "const unsigned long openapi_yaml_len = sizeof openapi_yaml - 1;\n")
