# Turns the web console's files (INPUTS, `|`-separated, all in INPUT_DIR) into a C++ source
# defining athena::console_assets(): each file's name, Content-Type, ETag (from its SHA-256)
# and bytes. Run at build time by CMakeLists.txt; the binary needs no file at run time.
string(REPLACE "|" ";" inputs "${INPUTS}")
set(arrays "")
set(entries "")
set(i 0)
foreach(name IN LISTS inputs)
  set(path "${INPUT_DIR}/${name}")
  file(READ "${path}" content HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
  file(SHA256 "${path}" sha)
  string(SUBSTRING "${sha}" 0 20 etag)
  if(name MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(name MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(name MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(name MATCHES "\\.svg$")
    set(type "image/svg+xml")
  else()
    message(FATAL_ERROR "embed_console.cmake: no Content-Type known for ${name}")
  endif()
  string(APPEND arrays "const unsigned char kAsset${i}[] = {${bytes} 0};\n")
  string(APPEND entries "    {\"${name}\", \"${type}\", \"\\\"${etag}\\\"\", {reinterpret_cast<const char*>(kAsset${i}), sizeof(kAsset${i}) - 1}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from console/ by cmake/embed_console.cmake. Do not edit.\n"
  "#include \"control/console_assets.hpp\"\n"
  "namespace athena {\n"
  "namespace {\n"
  "${arrays}"
  "const ConsoleAsset kAssets[] = {\n${entries}};\n"
  "}  // namespace\n"
  "std::span<const ConsoleAsset> console_assets() { return kAssets; }\n"
  "}  // namespace athena\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
