# UI smoke test: runs the real airlock-admin under Xvfb (xcb, Mesa llvmpipe), saves a screenshot
# and fails on a non-zero exit (the app exits 3 when the QML engine warned, 4 when the screenshot
# failed) or on any warning/critical line in its log.
#   cmake -DAPP=<airlock-admin> -DOUT=<dir> -DNAME=<case> [-DAPP_ARGS=a;b] [-DLANGUAGE=ko_KR.UTF-8] -P ui_smoke.cmake
# Artifacts: <OUT>/<NAME>.png and <OUT>/<NAME>.log.
foreach(var APP OUT NAME)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "ui_smoke.cmake: -D${var}= is required")
    endif()
endforeach()
find_program(XVFB_RUN xvfb-run REQUIRED)

set(work "${OUT}/${NAME}.d")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${OUT}" "${work}/home" "${work}/runtime")
file(CHMOD "${work}/runtime" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
set(png "${OUT}/${NAME}.png")
set(log "${OUT}/${NAME}.log")
file(REMOVE "${png}")
if(NOT LANGUAGE)
    set(LANGUAGE "C.UTF-8")
endif()
string(REPLACE "|" ";" APP_ARGS "${APP_ARGS}")
string(REPLACE "@WORK@" "${work}" APP_ARGS "${APP_ARGS}")

execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env
        QT_QPA_PLATFORM=xcb
        "QT_MESSAGE_PATTERN=%{type} %{category}: %{message}"
        HOME=${work}/home XDG_RUNTIME_DIR=${work}/runtime XDG_DATA_HOME=${work}/home/.local/share
        XDG_CONFIG_HOME=${work}/home/.config
        LANG=${LANGUAGE} LC_ALL=${LANGUAGE} LANGUAGE=
        AIRLOCK_ADMIN_TOKEN=
        "${XVFB_RUN}" -a -s "-screen 0 1280x800x24"
        "${APP}" ${APP_ARGS} --screenshot "${png}" --quit-after 4000
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out
    TIMEOUT 60)
file(WRITE "${log}" "${out}")
message("${out}")

if(NOT rc EQUAL 0)
    message(FATAL_ERROR "airlock-admin exited with ${rc} (3: QML warnings, 4: no screenshot); log: ${log}")
endif()
if(NOT EXISTS "${png}")
    message(FATAL_ERROR "no screenshot at ${png}")
endif()
# Any warning is a failure: QML binding/type errors, missing imports, Qt Quick Controls misuse, and
# quitting while an object is still incubating ("items in the process of being created at engine
# destruction": the app waits for incubation before its screenshot, see whenIncubated in uitour.h).
string(REGEX MATCHALL "(^|\n)(warning|critical|fatal) [^\n]*" bad "${out}")
if(bad)
    message(FATAL_ERROR "warnings in the log (${log}):${bad}")
endif()
message("screenshot: ${png}")
