/*
 * maildir: the admin and delivery tool over libmaildir.
 *
 * Design rationale. Every command is a thin layer over the library, so that what an
 * administrator sees (uids, flags, folder counts) is what the daemons see. `deliver` is
 * an MDA for Postfix, OpenSMTPD, fetchmail and procmail users, so it speaks their exit
 * codes: sysexits(3), 75 (EX_TEMPFAIL) for anything that may work later. The whole tool
 * uses sysexits for one convention. It works as whoever calls it, like any MDA started
 * by an MTA's local transport; called by root, it first becomes the owner of the
 * Maildir (tool_owner.c), so that nothing in a user's mailbox ends up root's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "maildir_box.h"
#include "maildir_deliver.h"
#include "maildir_flags.h"
#include "maildir_folder.h"
#include "tool.h"

static void usage(void)
{
	fputs("usage: maildir deliver [--as-root] MAILDIR [FOLDER] < message\n"
	      "       maildir create MAILDIR [FOLDER...]\n"
	      "       maildir list MAILDIR\n"
	      "       maildir uids MAILDIR [FOLDER]\n"
	      "       maildir flag MAILDIR [--folder FOLDER] UID [+|-]FLAG...\n"
	      "       maildir copy|move MAILDIR [--folder FOLDER] UID... TO-FOLDER\n"
	      "       maildir check MAILDIR [--repair]\n"
	      "       maildir subscriptions MAILDIR [add|remove NAME...]\n", stderr);
}

int tool_folder_path(const char *root, const char *folder, char *out, size_t outsz)
{
	if (folder == NULL || strcmp(folder, "") == 0 || strcmp(folder, "INBOX") == 0)
		folder = "";
	if (maildir_folder_path(root, folder, out, outsz) < 0) {
		log_warn("bad folder name \"%s\": %s", folder, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	if (argc < 1)
		return EX_USAGE;
	if (maildir_make(argv[0]) < 0) {
		log_warn("%s: %s", argv[0], strerror(errno));
		return EX_CANTCREAT;
	}
	for (int i = 1; i < argc; i++) {
		if (maildir_folder_create(argv[0], argv[i]) < 0 && errno != EEXIST) {
			log_warn("%s: folder \"%s\": %s", argv[0], argv[i], strerror(errno));
			return errno == EINVAL ? EX_DATAERR : EX_CANTCREAT;
		}
	}
	return EX_OK;
}

static void print_flags(uint32_t flags)
{
	int any = 0;

	/* 'P' (passed) has no IMAP flag and is not shown. */
	for (size_t i = 0; i < MAILDIR_IMAP_SYSFLAGS; i++) {
		if (flags & MAILDIR_FLAG(maildir_imap_flags[i].letter)) {
			printf("%s%s", any ? " " : "", maildir_imap_flags[i].name);
			any = 1;
		}
	}
	if (!any)
		fputs("-", stdout);
}

static void print_keywords(const struct maildir_box *b, uint32_t kw)
{
	int any = 0;

	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		const struct maildir_keywords *k = maildir_box_keywords(b);
		if ((kw & (UINT32_C(1) << i)) && k->name[i] != NULL) {
			printf("%s%s", any ? " " : "", k->name[i]);
			any = 1;
		}
	}
	if (!any)
		fputs("-", stdout);
}

static int open_box(struct maildir_box **b, const char *root, const char *folder)
{
	char path[PATH_MAX];

	if (tool_folder_path(root, folder, path, sizeof path) < 0)
		return EX_DATAERR;
	if (maildir_box_open(b, path) < 0) {
		log_warn("%s: %s", path, strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : EX_TEMPFAIL;
	}
	return EX_OK;
}

static int cmd_uids(int argc, char **argv)
{
	struct maildir_box *b;
	int ret;

	if (argc < 1 || argc > 2)
		return EX_USAGE;
	ret = open_box(&b, argv[0], argc > 1 ? argv[1] : NULL);
	if (ret != EX_OK)
		return ret;
	printf("# uidvalidity %lu nextuid %lu\n", (unsigned long)maildir_box_uidvalidity(b),
	       (unsigned long)maildir_box_nextuid(b));
	for (size_t i = 0; i < maildir_box_count(b); i++) {
		const struct maildir_msg *m = maildir_box_msg(b, i);
		printf("%lu\t", (unsigned long)m->uid);
		print_flags(m->flags);
		putchar('\t');
		print_keywords(b, m->keywords);
		printf("\t%s\n", m->name);
	}
	maildir_box_close(b);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

/* One flag argument: a system flag name, or a keyword name. */
static int apply_flag(struct maildir_box *b, const char *arg, uint32_t *flags,
		      uint32_t *keywords)
{
	int add = 1;
	uint32_t bit = 0, *mask = flags;

	if (*arg == '+' || *arg == '-')
		add = *arg++ == '+';
	bit = maildir_imap_flag_bit(arg, strlen(arg));
	if (bit == 0) {
		int k;
		if (arg[0] == '\\') {
			log_warn("unknown system flag %s", arg);
			return -1;
		}
		k = add ? maildir_box_keyword(b, arg) : maildir_keywords_index(maildir_box_keywords(b), arg);
		if (k < 0 && add) {
			log_warn("keyword %s: %s", arg, strerror(errno));
			return -1;
		}
		if (k < 0)
			return 0;	/* removing a keyword nobody has */
		bit = UINT32_C(1) << k;
		mask = keywords;
	}
	if (add)
		*mask |= bit;
	else
		*mask &= ~bit;
	return 0;
}

static int cmd_flag(int argc, char **argv)
{
	struct maildir_box *b;
	const char *folder = NULL;
	uint64_t uid;
	uint32_t flags, keywords;
	long i;
	int ret, a = 1;

	if (argc >= 3 && strcmp(argv[1], "--folder") == 0) {
		folder = argv[2];
		a = 3;
	}
	if (argc < a + 2)
		return EX_USAGE;
	if (str_to_u64z(argv[a], UINT32_MAX, &uid) < 0 || uid == 0) {
		log_warn("bad UID %s", argv[a]);
		return EX_USAGE;
	}
	ret = open_box(&b, argv[0], folder);
	if (ret != EX_OK)
		return ret;
	i = maildir_box_find(b, (uint32_t)uid);
	if (i < 0) {
		log_warn("no message with UID %s", argv[a]);
		maildir_box_close(b);
		return EX_DATAERR;
	}
	flags = maildir_box_msg(b, (size_t)i)->flags;
	keywords = maildir_box_msg(b, (size_t)i)->keywords;
	for (int k = a + 1; k < argc; k++) {
		if (apply_flag(b, argv[k], &flags, &keywords) < 0) {
			maildir_box_close(b);
			return EX_DATAERR;
		}
	}
	if (maildir_box_set_flags(b, (size_t)i, flags, keywords) < 0) {
		log_warn("UID %s: %s", argv[a], strerror(errno));
		ret = errno == ENOENT ? EX_DATAERR : EX_TEMPFAIL;
	}
	maildir_box_close(b);
	return ret;
}

/* copy and move: the UIDs of FOLDER given to TO-FOLDER, printed as "uid newuid" lines
 * (what IMAP's COPYUID says). */
static int transfer(int argc, char **argv, int move)
{
	struct maildir_box *src = NULL, *dst = NULL;
	const char *folder = NULL;
	size_t *idx = NULL, n = 0;
	uint32_t *uids = NULL;
	int ret, a = 1, last;

	if (argc >= 3 && strcmp(argv[1], "--folder") == 0) {
		folder = argv[2];
		a = 3;
	}
	if (argc < a + 2)
		return EX_USAGE;
	last = argc - 1;
	ret = open_box(&src, argv[0], folder);
	if (ret != EX_OK)
		return ret;
	ret = open_box(&dst, argv[0], argv[last]);
	if (ret != EX_OK)
		goto out;
	idx = calloc((size_t)(last - a) + 1, sizeof *idx);
	uids = calloc((size_t)(last - a) + 1, sizeof *uids);
	if (idx == NULL || uids == NULL) {
		ret = EX_SOFTWARE;
		goto out;
	}
	for (int k = a; k < last; k++) {
		uint64_t uid;
		long i;
		if (str_to_u64z(argv[k], UINT32_MAX, &uid) < 0 || uid == 0) {
			log_warn("bad UID %s", argv[k]);
			ret = EX_USAGE;
			goto out;
		}
		i = maildir_box_find(src, (uint32_t)uid);
		if (i < 0) {
			log_warn("no message with UID %s", argv[k]);
			ret = EX_DATAERR;
			goto out;
		}
		idx[n++] = (size_t)i;
	}
	if ((move ? maildir_box_move : maildir_box_copy)(src, idx, n, dst, uids) < 0) {
		log_warn("%s: %s", move ? "move" : "copy", strerror(errno));
		ret = errno == ESTALE || errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_IOERR;
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		if (uids[k] != 0)
			printf("%lu %lu\n", (unsigned long)maildir_box_msg(src, idx[k])->uid,
			       (unsigned long)uids[k]);
	ret = fflush(stdout) == 0 ? EX_OK : EX_IOERR;
out:
	free(idx);
	free(uids);
	maildir_box_close(src);
	maildir_box_close(dst);
	return ret;
}

static int cmd_copy(int argc, char **argv)
{
	return transfer(argc, argv, 0);
}

static int cmd_move(int argc, char **argv)
{
	return transfer(argc, argv, 1);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	int owner;		/* TOOL_OWNER_*: how MAILDIR decides whom root runs as */
} commands[] = {
	{ "deliver", tool_deliver, TOOL_OWNER_DELIVER },
	{ "create", cmd_create, TOOL_OWNER_CREATE },
	{ "list", tool_list, 0 },
	{ "uids", cmd_uids, 0 },
	{ "flag", cmd_flag, 0 },
	{ "copy", cmd_copy, 0 },
	{ "move", cmd_move, 0 },
	{ "check", tool_check, 0 },
	{ "subscriptions", tool_subscriptions, 0 },
};

int main(int argc, char **argv)
{
	static char maildir[PATH_MAX];

	log_init("maildir");
	if (argc < 2) {
		usage();
		return EX_USAGE;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		int how = commands[i].owner, r;
		char **args = argv + 2;
		int n = argc - 2;

		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if ((how & TOOL_OWNER_DELIVER) && n > 0 && strcmp(args[0], "--as-root") == 0) {
			how |= TOOL_OWNER_AS_ROOT;
			args++;
			n--;
		}
		/* Every command's first argument is the Maildir: settle who works on it
		 * before anything in it is touched. */
		if (n > 0) {
			r = tool_owner_become(args[0], how, maildir, sizeof maildir);
			if (r != EX_OK)
				return r;
			args[0] = maildir;
		}
		r = commands[i].run(n, args);
		if (r == EX_USAGE)
			usage();
		return r;
	}
	usage();
	return EX_USAGE;
}
