# One INTERFACE target carries the project-wide compiler settings; every target links it.
add_library(airlock_settings INTERFACE)
target_compile_features(airlock_settings INTERFACE cxx_std_20)
target_compile_definitions(airlock_settings INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    AIRLOCK_VERSION="${PROJECT_VERSION}")
target_compile_options(airlock_settings INTERFACE -Wall -Wextra -Wno-missing-field-initializers)
if(AIRLOCK_WERROR)
    target_compile_options(airlock_settings INTERFACE -Werror)
endif()
if(AIRLOCK_SANITIZE)
    target_compile_options(airlock_settings INTERFACE -fsanitize=${AIRLOCK_SANITIZE} -fno-omit-frame-pointer -g)
    target_link_options(airlock_settings INTERFACE -fsanitize=${AIRLOCK_SANITIZE})
    if(AIRLOCK_SANITIZE MATCHES "undefined")
        target_compile_options(airlock_settings INTERFACE -fno-sanitize-recover=undefined)
    endif()
endif()
