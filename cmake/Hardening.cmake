# SPDX-License-Identifier: Apache-2.0
# Hardening of the optimised builds (Release, RelWithDebInfo, MinSizeRel), included from the top
# CMakeLists.txt unless -DSKIFF_HARDEN=OFF or a fuzz build. Debug is left alone: FORTIFY_SOURCE
# needs optimisation and a debugger is better served without it. tests/hardening checks the
# result on skiffd (ctest -L hardening).
include(CheckCCompilerFlag)
include(CheckLinkerFlag)

set(SKIFF_HARDENED_CONFIGS Release,RelWithDebInfo,MinSizeRel)
set(skiff_harden_c "")
set(skiff_harden_link "")

# FORTIFY_SOURCE=3 (glibc >= 2.34 with GCC >= 12 or clang >= 9; older ones quietly act as 2).
# -U first: a distribution may already pass its own level, and a second -D is a redefinition
# warning. Left out with a sanitizer: the fortified __*_chk variants bypass the sanitizers'
# interceptors of memcpy, read and the like, so they would check less, not more.
if(NOT SKIFF_SANITIZE AND NOT SKIFF_TSAN)
  list(APPEND skiff_harden_c -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3)
  set(SKIFF_HARDEN_FORTIFY ON)
else()
  set(SKIFF_HARDEN_FORTIFY OFF)
endif()
list(APPEND skiff_harden_c -fstack-protector-strong)
check_c_compiler_flag(-fstack-clash-protection SKIFF_HAVE_STACK_CLASH)
if(SKIFF_HAVE_STACK_CLASH)
  list(APPEND skiff_harden_c -fstack-clash-protection)
endif()
# Control-flow enforcement (IBT/SHSTK) exists on x86 only; other targets reject the flag.
check_c_compiler_flag(-fcf-protection=full SKIFF_HAVE_CF_PROTECTION)
if(SKIFF_HAVE_CF_PROTECTION)
  list(APPEND skiff_harden_c -fcf-protection=full)
  set(SKIFF_HARDEN_CET ON)
else()
  set(SKIFF_HARDEN_CET OFF)
endif()

# Full RELRO (the GOT read-only after start-up) and a non-executable stack.
check_linker_flag(C "-Wl,-z,relro,-z,now" SKIFF_HAVE_RELRO_NOW)
if(SKIFF_HAVE_RELRO_NOW)
  list(APPEND skiff_harden_link -Wl,-z,relro,-z,now)
endif()
check_linker_flag(C "-Wl,-z,noexecstack" SKIFF_HAVE_NOEXECSTACK)
if(SKIFF_HAVE_NOEXECSTACK)
  list(APPEND skiff_harden_link -Wl,-z,noexecstack)
endif()

add_compile_options("$<$<CONFIG:${SKIFF_HARDENED_CONFIGS}>:${skiff_harden_c}>")
add_link_options("$<$<CONFIG:${SKIFF_HARDENED_CONFIGS}>:${skiff_harden_link}>")
