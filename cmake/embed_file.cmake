# Turns INPUT into a C++ source defining athena::embedded_default_fixture().
file(READ ${INPUT} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUTPUT}
  "// Generated from fixtures/default.json by cmake/embed_file.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace athena {\n"
  "static const char kDefaultFixture[] = {${bytes} 0};\n"
  "std::string_view embedded_default_fixture() { return {kDefaultFixture, sizeof(kDefaultFixture) - 1}; }\n"
  "}\n")
