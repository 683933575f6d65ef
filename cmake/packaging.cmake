# Installation and the Debian package (`cpack -G DEB` from the build tree):
# both binaries, their systemd units, and the sample configs, installed as
# the units' configuration files in /etc/caf-nsqd (dpkg keeps local edits);
# and the embedding library (headers, static libraries, CMake package; below).
include(GNUInstallDirs)
install(TARGETS caf-nsqd caf-nsqlookupd caf-nsq-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES packaging/caf-nsqd.service packaging/caf-nsqlookupd.service
        DESTINATION lib/systemd/system) # under /usr (merged /usr)
install(FILES caf-nsqd.cfg.example caf-nsqlookupd.cfg.example
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/caf-nsqd/examples)
install(FILES caf-nsqd.cfg.example DESTINATION /etc/caf-nsqd RENAME caf-nsqd.cfg)
install(FILES caf-nsqlookupd.cfg.example DESTINATION /etc/caf-nsqd RENAME caf-nsqlookupd.cfg)
install(FILES README.md docs/architecture.md docs/disk-format.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/caf-nsqd)

# The embedding library (docs/cluster.md, "Embedding"), component "dev"
# (`cmake --install build --component dev --prefix DIR` installs only it): the
# static libraries, the headers under include/caf-nsqd with their source
# layout, and a CMake package: find_package(caf-nsqd) -> caf-nsqd::embedded.
set(NSQ_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/caf-nsqd)
install(TARGETS nsq_embedded nsq_actors nsq_storage nsq_protocol EXPORT caf-nsqd-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
foreach(dir protocol actors storage)
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/caf-nsqd/${dir}
          COMPONENT dev FILES_MATCHING PATTERN "*.hpp" PATTERN "lookupd" EXCLUDE)
endforeach()
install(EXPORT caf-nsqd-targets NAMESPACE caf-nsqd:: DESTINATION ${NSQ_CMAKE_DIR}
        COMPONENT dev)
include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/caf-nsqdConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/caf-nsqdConfig.cmake INSTALL_DESTINATION ${NSQ_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/caf-nsqdConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/caf-nsqdConfig.cmake
        ${CMAKE_CURRENT_BINARY_DIR}/caf-nsqdConfigVersion.cmake cmake/FindCAF.cmake
        DESTINATION ${NSQ_CMAKE_DIR} COMPONENT dev)

set(CPACK_PACKAGE_NAME caf-nsqd)
set(CPACK_PACKAGE_VENDOR "caf-nsqd developers")
set(CPACK_PACKAGE_CONTACT "caf-nsqd developers <caf-nsqd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "NSQ message broker (drop-in nsqd and nsqlookupd) on the C++ Actor Framework")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The shared libraries the binaries link (CAF, Boost, OpenSSL, snappy, zlib)
# become Depends: through dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_CURRENT_SOURCE_DIR}/packaging/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
