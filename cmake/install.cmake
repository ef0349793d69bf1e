# Installation: header, shared and static libraries, the spgrad program, a
# CMake package (find_package(spgrad) -> spgrad::spgrad, spgrad::spgrad_static)
# and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS spgrad spgrad_static EXPORT spgradTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES include/spgrad.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET spgrad_mpi) # spgrad::spgrad_mpi, with MPI found again by the package
  install(TARGETS spgrad_mpi EXPORT spgradTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES include/spgrad_mpi.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET spgrad_cli)
  install(TARGETS spgrad_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(spg_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/spgrad)
install(EXPORT spgradTargets NAMESPACE spgrad:: DESTINATION ${spg_cmake_dir})
configure_package_config_file(cmake/spgradConfig.cmake.in
  ${PROJECT_BINARY_DIR}/spgradConfig.cmake INSTALL_DESTINATION ${spg_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/spgradConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/spgradConfig.cmake
        ${PROJECT_BINARY_DIR}/spgradConfigVersion.cmake DESTINATION ${spg_cmake_dir})

set(SPGRAD_PC_PRIVATE "")
if(SPGRAD_USE_OPENMP)
  string(APPEND SPGRAD_PC_PRIVATE " ${OpenMP_C_FLAGS}")
endif()
if(SPGRAD_USE_SUITESPARSE)
  string(APPEND SPGRAD_PC_PRIVATE " -lcholmod -lumfpack -lsuitesparseconfig")
endif()
if(SPGRAD_USE_CUDA)
  string(APPEND SPGRAD_PC_PRIVATE
         " -L${CUDAToolkit_LIBRARY_DIR} -lcusparse -lcublas -lcudart -lstdc++")
endif()
if(SPGRAD_USE_CUDSS)
  get_filename_component(spg_cudss_dir ${SPG_CUDSS_LIBRARY} DIRECTORY)
  get_filename_component(spg_cudss_name ${SPG_CUDSS_LIBRARY} NAME)
  string(APPEND SPGRAD_PC_PRIVATE
         " -L${spg_cudss_dir} -l:${spg_cudss_name} -Wl,-rpath,${spg_cudss_dir}")
endif()
# relocatable: the prefix is found from where the .pc file lies
file(RELATIVE_PATH SPGRAD_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(cmake/spgrad.pc.in ${PROJECT_BINARY_DIR}/spgrad.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/spgrad.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
