#include "cmd.h"
int cmd_status(struct tk_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return tk_fail(ctx, "status", TK_EXIT_FAIL, "not implemented");
}
