# `cmake --install build --prefix P`: the mmcpp launcher and mmcpp-main in
# P/bin, the libraries in P/lib, the public headers in P/include/mmcpp, and a
# CMake package (P/lib/cmake/mmcpp) so that another project can
#   find_package(mmcpp REQUIRED)
#   target_link_libraries(app PRIVATE mmcpp::mmcpp_pretrain)
# The libraries are shared: the components they register from static
# initialisers register as soon as the library loads, whatever the program
# references (examples/inference is such a project).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MMCPP_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/mmcpp")

# Installed programs find the libraries beside them (bin/../lib); LibTorch,
# OpenCV and the rest come from the system as at build time.
set_target_properties(mmcpp mmcpp_launcher PROPERTIES
                      INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
set_target_properties(mmcpp_engine mmcpp_cv mmcpp_pretrain mmcpp_editing PROPERTIES
                      INSTALL_RPATH "$ORIGIN")

install(TARGETS mmcpp mmcpp_launcher RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS mmcpp_engine mmcpp_cv mmcpp_pretrain mmcpp_editing
        EXPORT mmcppTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${CMAKE_SOURCE_DIR}/mmcpp/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/mmcpp"
        FILES_MATCHING PATTERN "*.h" PATTERN "*.inc")
install(EXPORT mmcppTargets NAMESPACE mmcpp:: DESTINATION "${MMCPP_INSTALL_CMAKEDIR}")

configure_package_config_file("${CMAKE_SOURCE_DIR}/cmake/mmcppConfig.cmake.in"
                              "${CMAKE_BINARY_DIR}/generated/mmcppConfig.cmake"
                              INSTALL_DESTINATION "${MMCPP_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/generated/mmcppConfigVersion.cmake"
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/generated/mmcppConfig.cmake"
              "${CMAKE_BINARY_DIR}/generated/mmcppConfigVersion.cmake"
        DESTINATION "${MMCPP_INSTALL_CMAKEDIR}")
