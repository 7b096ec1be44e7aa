# JSON conformance: one ctest test per JSONTestSuite file (nst/JSONTestSuite
# @ 1ef36fa0, read in place from ../shared/data, never copied here), named
# after the file: json/y_array_empty, json/transform/number_1.0. json_case
# decides the expected outcome from the name (y_ accept, n_ reject) or from
# json_i_expectations.txt (i_ and test_transform/, each pinned with a reason).
add_executable(json_case ${CMAKE_CURRENT_SOURCE_DIR}/json_case.c)
target_include_directories(json_case PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(json_case PRIVATE mamori_testlib)

set(MM_JSON_SUITE ${MM_SHARED_DATA}/json/JSONTestSuite)
set(MM_JSON_EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/json_i_expectations.txt)
if(EXISTS ${MM_JSON_SUITE}/test_parsing)
  foreach(sub test_parsing test_transform)
    file(GLOB cases ${MM_JSON_SUITE}/${sub}/*.json)
    foreach(case ${cases})
      get_filename_component(name ${case} NAME)
      string(REGEX REPLACE "\\.json$" "" name "${name}")
      if(sub STREQUAL "test_transform")
        set(name "transform/${name}")
      endif()
      add_test(NAME json/${name} COMMAND json_case ${MM_JSON_EXPECT} ${case})
      set_tests_properties(json/${name} PROPERTIES TIMEOUT 60)
    endforeach()
  endforeach()
else()
  message(WARNING "JSONTestSuite not found at ${MM_JSON_SUITE}: JSON conformance tests skipped")
endif()
