# Installation and the Debian package (`cpack -G DEB` from the build tree):
# both binaries, their systemd units, and the sample configs, installed as
# the units' configuration files in /etc/caf-nsqd (dpkg keeps local edits).
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
