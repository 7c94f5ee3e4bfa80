# The test registered in place of one whose prerequisite was missing at configure time under CI=true
# (airlock_missing_prerequisite in tests/CMakeLists.txt): fails naming what is missing.
#   cmake -DWHAT=<tool> -DTEST=<test name> -P prerequisite_missing.cmake
message(FATAL_ERROR "prerequisite missing: ${WHAT} (${TEST} cannot run; CI=true: a missing prerequisite "
    "fails the test). Install it and configure again.")
