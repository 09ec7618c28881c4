# Generates a C++ source holding SQL migrations (cmake -P). Inputs: OUT (file to write), SQL_DIR,
# SQL_FILES (list, applied in order; the version is the file's numeric prefix), HEADER (the
# header declaring `struct Migration {int version; const char* name; const char* sql;}` and the
# function), NAMESPACE and FUNCTION (the function returning them: `const std::vector<Migration>&`).
# Used by resolver/ (resolver/sql) and history/ (history/sql).
set(body "// Generated from ${SQL_DIR}/*.sql by cmake/embed_sql.cmake. Do not edit.\n")
string(APPEND body "#include \"${HEADER}\"\n\nnamespace ${NAMESPACE} {\n\n")
string(APPEND body "const std::vector<Migration>& ${FUNCTION}() {\n")
string(APPEND body "    static const std::vector<Migration> all = {\n")
foreach(f IN LISTS SQL_FILES)
  file(READ "${SQL_DIR}/${f}" sql)
  string(REGEX MATCH "^[0-9]+" version "${f}")
  math(EXPR version "${version}")
  string(APPEND body "        {${version}, \"${f}\", R\"volley_sql(${sql})volley_sql\"},\n")
endforeach()
string(APPEND body "    };\n    return all;\n}\n\n}  // namespace ${NAMESPACE}\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL body)
  file(WRITE "${OUT}" "${body}")
endif()
