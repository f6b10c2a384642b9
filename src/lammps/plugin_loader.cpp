// SPDX-License-Identifier: GPL-2.0-or-later
// bpnnplugin.so, the file that `plugin load` opens. It refers to no LAMMPS
// C++ symbol, so it opens in any LAMMPS version. It compares the LAMMPS
// version it was built for with that of the running LAMMPS and only then
// opens the implementation, bpnnplugin-lammps-YYYYMMDD.so, from its own
// folder. C++ classes differ between LAMMPS versions, so an implementation
// built for another version could crash or fail to open with a message about
// an undefined symbol.
//
// When the versions differ, the loader registers an entry whose version field
// contains the LAMMPS version it was built for. LAMMPS then prints its own
// message "compiled for LAMMPS version A, loaded into LAMMPS version B", and
// rejects the entry's style, so pair_style bpnn stays unknown and an input
// that uses it stops with LAMMPS's "Unrecognized pair style" error.
#include "lammpsplugin.h"
#include "version.h"

#include <dlfcn.h>

#include <string>

#ifndef BPNN_LAMMPS_VERSION_NUMBER
#error "BPNN_LAMMPS_VERSION_NUMBER (YYYYMMDD of the LAMMPS version) is not defined; build with src/lammps/CMakeLists.txt"
#endif
#ifndef BPNN_IMPLEMENTATION_FILE
#error "BPNN_IMPLEMENTATION_FILE (file name of the implementation library) is not defined"
#endif

extern "C" __attribute__((visibility("default"))) void lammpsplugin_init(void* lmp, void* handle, void* regfunc);

namespace {

using VersionFunction = int (*)(void*);
using RegisterFunction = void (*)(void*, void*, void*);

// Registers an entry that LAMMPS reports and then rejects: its style is not
// one that LAMMPS can load. `reason` appears in LAMMPS's "Loading plugin:"
// line.
void registerRejection(void* lmp, void* handle, void* regfunc, const std::string& reason) {
    static std::string info;
    info = "bpnn pair style NOT LOADED: " + reason;
    lammpsplugin_t plugin;
    plugin.version = LAMMPS_VERSION;
    plugin.style = "bpnn-not-loaded";
    plugin.name = "bpnn";
    plugin.info = info.c_str();
    plugin.author = "bpnn (plugin loader)";
    plugin.creator.v1 = nullptr;
    plugin.handle = handle;
    reinterpret_cast<lammpsplugin_regfunc>(regfunc)(&plugin, lmp);
}

// Folder of this shared object, with a trailing slash, or "" if unknown.
std::string ownFolder() {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&lammpsplugin_init), &info) == 0 || info.dli_fname == nullptr) {
        return std::string();
    }
    const std::string path = info.dli_fname;
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

}  // namespace

extern "C" void lammpsplugin_init(void* lmp, void* handle, void* regfunc) {
    // lammps_version() of LAMMPS's C library interface returns the version
    // as YYYYMMDD. It runs inside LAMMPS, so it is safe in any version.
    dlerror();
    const auto hostVersion = reinterpret_cast<VersionFunction>(dlsym(RTLD_DEFAULT, "lammps_version"));
    if (hostVersion != nullptr && hostVersion(lmp) != BPNN_LAMMPS_VERSION_NUMBER) {
        registerRejection(lmp, handle, regfunc,
                          "this bpnnplugin.so was built for LAMMPS " LAMMPS_VERSION
                          "; build bpnn against this LAMMPS version (cmake -DLAMMPS_SOURCE_DIR=...)");
        return;
    }

    const std::string path = ownFolder() + BPNN_IMPLEMENTATION_FILE;
    void* implementation = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (implementation == nullptr) {
        const char* reason = dlerror();
        registerRejection(lmp, handle, regfunc,
                          "cannot open " + path + ": " + (reason ? reason : "unknown error") +
                              " (it must be in the folder of bpnnplugin.so)");
        return;
    }
    const auto registerStyles = reinterpret_cast<RegisterFunction>(dlsym(implementation, "bpnn_register_styles"));
    if (registerStyles == nullptr) {
        registerRejection(lmp, handle, regfunc, path + " has no function bpnn_register_styles");
        return;
    }
    registerStyles(lmp, handle, regfunc);
}
