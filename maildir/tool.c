/*
 * maildir: the admin and delivery tool over libmaildir.
 *
 * Design rationale. Every command is a thin layer over the library, so that what an
 * administrator sees (uids, flags, folder counts) is what the daemons see. `deliver` is
 * an MDA for Postfix, OpenSMTPD, fetchmail and procmail users, so it speaks their exit
 * codes: sysexits(3), 75 (EX_TEMPFAIL) for anything that may work later. The whole tool
 * uses sysexits for one convention. Nothing here runs as root on purpose: the tool
 * works as whoever calls it, like any MDA started by an MTA's local transport.
 */
#include <errno.h>
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
	fputs("usage: maildir deliver MAILDIR [FOLDER] < message\n"
	      "       maildir create MAILDIR [FOLDER...]\n"
	      "       maildir list MAILDIR\n"
	      "       maildir uids MAILDIR [FOLDER]\n"
	      "       maildir flag MAILDIR [--folder FOLDER] UID [+|-]FLAG...\n"
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
		if ((kw & (UINT32_C(1) << i)) && b->kw.name[i] != NULL) {
			printf("%s%s", any ? " " : "", b->kw.name[i]);
			any = 1;
		}
	}
	if (!any)
		fputs("-", stdout);
}

static int open_box(struct maildir_box *b, const char *root, const char *folder)
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
	struct maildir_box b;
	int ret;

	if (argc < 1 || argc > 2)
		return EX_USAGE;
	ret = open_box(&b, argv[0], argc > 1 ? argv[1] : NULL);
	if (ret != EX_OK)
		return ret;
	printf("# uidvalidity %lu nextuid %lu\n", (unsigned long)b.uidvalidity,
	       (unsigned long)b.nextuid);
	for (size_t i = 0; i < b.n; i++) {
		printf("%lu\t", (unsigned long)b.v[i].uid);
		print_flags(b.v[i].flags);
		putchar('\t');
		print_keywords(&b, b.v[i].keywords);
		printf("\t%s\n", b.v[i].name);
	}
	maildir_box_close(&b);
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
		k = add ? maildir_box_keyword(b, arg) : maildir_keywords_index(&b->kw, arg);
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
	struct maildir_box b;
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
	i = maildir_box_find(&b, (uint32_t)uid);
	if (i < 0) {
		log_warn("no message with UID %s", argv[a]);
		maildir_box_close(&b);
		return EX_DATAERR;
	}
	flags = b.v[i].flags;
	keywords = b.v[i].keywords;
	for (int k = a + 1; k < argc; k++) {
		if (apply_flag(&b, argv[k], &flags, &keywords) < 0) {
			maildir_box_close(&b);
			return EX_DATAERR;
		}
	}
	if (maildir_box_set_flags(&b, (size_t)i, flags, keywords) < 0) {
		log_warn("UID %s: %s", argv[a], strerror(errno));
		ret = errno == ENOENT ? EX_DATAERR : EX_TEMPFAIL;
	}
	maildir_box_close(&b);
	return ret;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "deliver", tool_deliver },
	{ "create", cmd_create },
	{ "list", tool_list },
	{ "uids", cmd_uids },
	{ "flag", cmd_flag },
	{ "check", tool_check },
	{ "subscriptions", tool_subscriptions },
};

int main(int argc, char **argv)
{
	log_init("maildir");
	if (argc < 2) {
		usage();
		return EX_USAGE;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			int r = commands[i].run(argc - 2, argv + 2);
			if (r == EX_USAGE)
				usage();
			return r;
		}
	}
	usage();
	return EX_USAGE;
}
