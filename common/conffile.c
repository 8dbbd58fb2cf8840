#include "conffile.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "strbuf.h"

struct conf_ctx {
	const char *text;
	size_t len, pos;
	int line; /* of the line last handed to inih */
	lx_conf_fn fn;
	void *user;
	struct lx_error *err;
	int fail_line; /* where fn failed, 0 when it did not */
	bool too_long; /* a line did not fit inih's buffer (a smaller build than ours) */
};

/* inih's reader: the next line of the text, whole (checked to fit before the parse) */
static char *conf_reader(char *str, int num, void *stream)
{
	struct conf_ctx *c = stream;
	const char *p = c->text + c->pos, *nl;
	size_t n;

	if (c->pos >= c->len || c->too_long)
		return NULL;
	nl = memchr(p, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - p) + 1 : c->len - c->pos;
	c->line++;
	if (n + 1 > (size_t)num) {
		c->too_long = true;
		return NULL;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	c->pos += n;
	return str;
}

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_ctx *c = user;

	if (c->fail_line)
		return 0; /* after the first error nothing more is applied */
	if (!name)
		return 1; /* a new section (a libinih built with INI_CALL_HANDLER_ON_NEW_SECTION) */
	if (c->fn(c->user, section, name, value ? value : "", c->err) < 0) {
		c->fail_line = c->line;
		return 0;
	}
	return 1;
}

/* the first NUL byte or over-long line of text: 0, or -1 with "PATH:LINE: ..." */
static int check_text(const char *path, const char *text, size_t len, struct lx_error *err)
{
	size_t start = 0;
	int line = 1;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] == '\0')
			return lx_error_code(err, EINVAL,
					     "%s:%d: a NUL byte (the text after it would be lost)",
					     path, line);
		if (i < len && text[i] != '\n')
			continue;
		if (i - start > LX_CONF_MAX_LINE)
			return lx_error_code(err, EINVAL, "%s:%d: line longer than %d bytes", path,
					     line, LX_CONF_MAX_LINE);
		start = i + 1;
		line++;
	}
	return 0;
}

int lx_conf_parse(const char *path, bool must_exist, lx_conf_fn fn, void *user,
		  struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	struct conf_ctx c = {.fn = fn, .user = user, .err = err};
	struct stat st;
	int r;

	/* /dev/null: no settings (the usual way to say "not the default file") */
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return 1;
	if (read_regular_at(AT_FDCWD, path, 0, LX_CONF_MAX_SIZE, &sb, err) < 0) {
		if (err->code == ENOENT && !must_exist)
			return 0;
		return lx_error_wrap(err, "config file");
	}
	if (check_text(path, sb.buf, sb.len, err) < 0)
		return -1;
	c.text = sb.buf;
	c.len = sb.len;
	r = ini_parse_stream(conf_reader, &c, conf_handler, &c);
	if (c.fail_line && r == c.fail_line) /* the key's error, with its code */
		return lx_error_wrap(err, "%s:%d", path, c.fail_line);
	if (r > 0)
		return lx_error_code(err, EINVAL, "%s:%d: syntax error", path, r);
	if (r < 0)
		return lx_error_set(err, ENOMEM, "config file `%s`", path);
	if (c.too_long)
		return lx_error_code(err, EINVAL, "%s:%d: line longer than this libinih takes",
				     path, c.line);
	return 1;
}
