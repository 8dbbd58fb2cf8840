#include "served.h"

#define PATH_(id, dir, name) [LX_FILE_##id] = LX_DIR_##dir "/" name,
const char *const lx_file_paths[LX_NFILES] = {LX_FILES(PATH_)};
#undef PATH_

#define HOST_PATH_(id, dir, name) [LX_FILE_##id] = "/" LX_DIR_##dir "/" name,
const char *const lx_file_host_paths[LX_NFILES] = {LX_FILES(HOST_PATH_)};
#undef HOST_PATH_

/* a file of proc/ is bound itself, the CPU directory's are bound with it */
#define BIND_PROC(name)	   {LX_DIR_PROC "/" name, name, LX_BIND_FILE},
#define BIND_SYS_CPU(name) /* in the directory */
/* each PSI file, not the directory: kernels with CONFIG_IRQ_TIME_ACCOUNTING also have irq */
#define BIND_PROC_PRESSURE(name) {LX_DIR_PROC_PRESSURE "/" name, "psi/" name, LX_BIND_FILE},
#define OLD_PROC_PRESSURE(name)	 /* never bound otherwise */
#define OLD_PROC(name)		 /* bound as it always was */
#define OLD_SYS_CPU(name)	 {LX_DIR_SYS_CPU "/" name, "cpu/" name, LX_BIND_OLD},
#define BIND_(id, dir, name)	 BIND_##dir(name)
#define OLD_(id, dir, name)	 OLD_##dir(name)
const struct lx_bind lx_binds[] = {{LX_DIR_SYS_CPU, "cpu/", LX_BIND_DIR},
				   LX_FILES(BIND_) LX_FILES(OLD_)};
#undef BIND_
#undef OLD_
const unsigned lx_nbinds = sizeof(lx_binds) / sizeof(lx_binds[0]);
_Static_assert(sizeof(lx_binds) / sizeof(lx_binds[0]) <= LX_NBINDS_MAX, "LX_NBINDS_MAX");
