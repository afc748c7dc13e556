/*
 * `maildir deliver MAILDIR [FOLDER] < message`: the local delivery agent.
 *
 * MTAs pass the envelope in the environment (Postfix and OpenSMTPD set SENDER and
 * RECIPIENT; procmail-style callers may not), and expect sysexits: 0 delivered and
 * durable, 75 try again later, 77 over the Maildir++ quota (what Courier's deliverquota
 * and dovecot-lda -e answer; the MTA bounces the message with our stderr line), never
 * a partial message in new/ (the library's tmp/ + fsync + link protocol makes that so). Return-Path and Delivered-To are added above the
 * message when the envelope is known, as RFC 5321 4.4 asks of the final delivery.
 *
 * A missing Maildir is made (durably, by maildir_make), as smtpd and Dovecot's LDA do;
 * a missing folder is not, since its name may be a typo. Nothing is written through a
 * symlink: a tmp/, new/ or cur/ (or a folder) that is one would put the message
 * outside the mailbox, and when root delivers into its own Maildir, anywhere.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "maildir_deliver.h"
#include "maildir_quota.h"
#include "tool.h"

#define DELIVER_CHUNK 65536
#define ENVELOPE_ADDR_MAX 512	/* RFC 5321 4.5.3.1.3: a path is at most 256 octets */

/* An envelope address fit for a header: printable, no CR/LF that could start a header
 * of its own. */
static int header_safe(const char *s)
{
	size_t n = strlen(s);

	if (n > ENVELOPE_ADDR_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int add_trace(struct buf *h)
{
	const char *sender = getenv("SENDER");
	const char *rcpt = getenv("RECIPIENT");

	if (sender != NULL) {
		if (!header_safe(sender))
			log_warn("SENDER is not fit for a header; Return-Path not added");
		else if (buf_printf(h, "Return-Path: <%s>\n", sender) < 0)
			return -1;
	}
	if (rcpt != NULL && *rcpt != '\0') {
		if (!header_safe(rcpt))
			log_warn("RECIPIENT is not fit for a header; Delivered-To not added");
		else if (buf_printf(h, "Delivered-To: %s\n", rcpt) < 0)
			return -1;
	}
	return 0;
}

/* lstat of dir/sub: 1 a real directory, 0 missing, -1 anything else (logged). */
static int real_dir(const char *dir, const char *sub)
{
	char p[PATH_MAX];
	struct stat st;
	int n = snprintf(p, sizeof p, "%s%s%s", dir, sub[0] != '\0' ? "/" : "", sub);

	if (n < 0 || (size_t)n >= sizeof p) {
		log_warn("%s: %s", dir, strerror(ENAMETOOLONG));
		return -1;
	}
	if (lstat(p, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s: %s", p, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		log_warn("%s: a symlink: refusing to deliver through it", p);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warn("%s: not a directory", p);
		return -1;
	}
	return 1;
}

/* tmp/ new/ cur/ of path: 1 all real directories, 0 one missing, -1 bad (logged). */
static int subdirs_real(const char *path)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	int all = 1;

	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		int r = real_dir(path, subs[i]);

		if (r < 0)
			return -1;
		all &= r;
	}
	return all;
}

/* The Maildir (or folder, when is_folder) at path ready for a delivery, with real
 * tmp/ new/ cur/; a missing Maildir is made. A folder must be a real directory
 * itself; the Maildir may be a symlink, its owner's choice (tool_owner.c decides
 * whose, when root runs this). 0 or -1 (logged). */
static int ready_dir(const char *path, int is_folder)
{
	int r;

	if (is_folder && (r = real_dir(path, "")) != 1) {
		if (r == 0)
			log_warn("%s: no such folder", path);
		return -1;
	}
	r = subdirs_real(path);
	if (r != 0)
		return r == 1 ? 0 : -1;
	if (is_folder) {
		log_warn("%s: not a Maildir folder", path);
		return -1;
	}
	if (maildir_make(path) < 0) {
		log_warn("%s: cannot make the Maildir: %s", path, strerror(errno));
		return -1;
	}
	return subdirs_real(path) == 1 ? 0 : -1;
}

int tool_deliver(int argc, char **argv)
{
	char path[PATH_MAX], name[MAILDIR_NAME_MAX + 1];
	struct maildir_tmp t;
	struct buf h;
	char *chunk = NULL;
	ssize_t got;
	int over;

	if (argc < 1 || argc > 2)
		return EX_USAGE;
	if (tool_folder_path(argv[0], argc > 1 ? argv[1] : NULL, path, sizeof path) < 0)
		return EX_TEMPFAIL;
	if (ready_dir(path, strcmp(path, argv[0]) != 0) < 0)
		return EX_TEMPFAIL;
	buf_init(&h, 2 * ENVELOPE_ADDR_MAX + 64);
	if (add_trace(&h) < 0 || (chunk = malloc(DELIVER_CHUNK)) == NULL) {
		buf_free(&h);
		log_warn("out of memory");
		return EX_TEMPFAIL;
	}
	if (maildir_tmp_open(&t, path) < 0) {
		log_warn("%s: cannot create a message: %s", path, strerror(errno));
		goto fail;
	}
	if (h.len > 0 && maildir_tmp_write(&t, h.s, h.len) < 0)
		goto fail_write;
	while ((got = read(0, chunk, DELIVER_CHUNK)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			log_warn("reading the message: %s", strerror(errno));
			goto fail_abort;
		}
		if (maildir_tmp_write(&t, chunk, (size_t)got) < 0)
			goto fail_write;
	}
	/* maildirquota.txt: the size is known now; over quota, back out of tmp/. */
	if (maildir_quota_check(argv[0], t.size, 1, 0, &over) < 0) {
		log_warn("%s/maildirsize: %s", argv[0], errno == EINVAL ?
			 "not a regular file (FIFO, device, symlink or directory?)" :
			 strerror(errno));
		goto fail_abort;
	}
	if (over) {
		log_warn("%s: mailbox full (Maildir++ quota)", argv[0]);
		maildir_tmp_abort(&t);
		buf_free(&h);
		free(chunk);
		return EX_NOPERM;
	}
	if (maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) < 0) {
		log_warn("%s: cannot store the message: %s", path, strerror(errno));
		goto fail;
	}
	/* Delivered: a usage line that cannot be written waits for the next recount. */
	if (maildir_quota_add(argv[0], (int64_t)t.size, 1) < 0)
		log_warn("%s/maildirsize: cannot record the delivery: %s", argv[0],
			 strerror(errno));
	log_info("delivered %s/new/%s", path, name);
	buf_free(&h);
	free(chunk);
	return EX_OK;
fail_write:
	log_warn("%s: writing the message: %s", path, strerror(errno));
fail_abort:
	maildir_tmp_abort(&t);
fail:
	buf_free(&h);
	free(chunk);
	return EX_TEMPFAIL;
}
