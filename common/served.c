#include "served.h"

#define PATH_(id, dir, name) [LX_FILE_##id] = LX_DIR_##dir "/" name,
const char *const lx_file_paths[LX_NFILES] = {LX_FILES(PATH_)};
#undef PATH_

#define HOST_PATH_(id, dir, name) [LX_FILE_##id] = "/" LX_DIR_##dir "/" name,
const char *const lx_file_host_paths[LX_NFILES] = {LX_FILES(HOST_PATH_)};
#undef HOST_PATH_
