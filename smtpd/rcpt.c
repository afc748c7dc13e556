/*
 * Recipient resolution: is the domain ours, is the local part an alias (expanded up to
 * SMTP_ALIAS_DEPTH_MAX deep) or a user (the --users passwd-file, else the system's
 * accounts), which folder does a +tag name, and is the mailbox over its Maildir++ quota.
 * Each accepted RCPT becomes one or more targets; a stranger never gets a remote one.
 * Local parts are matched ASCII case-insensitively (RFC 5321 2.4 lets us; every MTA does).
 */
#include "smtp.h"

#include "buf.h"
#include "io.h"
#include "log.h"
#include "str.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int smtp_domain_is_local(const struct smtp *s, const char *domain)
{
	size_t i;

	if (s->opt.domains == NULL)
		return strcasecmp(domain, s->host) == 0 || strcasecmp(domain, "localhost") == 0;
	for (i = 0; s->opt.domains[i] != NULL; i++) {
		if (strcasecmp(domain, s->opt.domains[i]) == 0)
			return 1;
	}
	return 0;
}

/* Call fn on every line of text (len octets; terminator removed), until it returns
 * non-zero. Lines longer than max are skipped. Returns that value, or 0 at the end. */
static int each_line(const char *text, size_t len, size_t max,
		     int (*fn)(char *line, void *arg), void *arg)
{
	char *line = malloc(max);
	size_t off = 0;
	int rc = 0;

	if (line == NULL)
		return -1;
	while (off < len && rc == 0) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;

		/* A last line without LF (editors leave those) still counts. */
		if (n < max) {
			memcpy(line, text + off, n);
			if (n > 0 && line[n - 1] == '\r')
				n--;
			line[n] = '\0';
			rc = fn(line, arg);
		}
		off = nl != NULL ? (size_t)(nl - text) + 1 : len;
	}
	free(line);
	return rc;
}

int smtp_aliases_load(struct smtp *s)
{
	buf_init(&s->aliases, SMTP_ALIASES_FILE_MAX);
	if (s->opt.aliases == NULL)
		return 0;
	if (io_read_file(s->opt.aliases, &s->aliases) < 0) {
		if (errno == ENOENT)
			return 0;
		/* As before the file was read at the start: every lookup fails (451). */
		s->aliases_errno = errno;
		log_warn("aliases %s: %s", s->opt.aliases, strerror(errno));
	}
	return 0;
}

/* Where postmaster goes when no alias or user has that name: --postmaster, else the
 * first user of the users file (the admin who wrote it, on a small site), else root
 * (whose mail the system's aliases send to a person). 0, or -1 when there is none. */
static int postmaster_default(struct smtp *s, char *name, size_t size)
{
	if (s->opt.postmaster != NULL)
		return str_lcpy(name, s->opt.postmaster, size) < size ? 0 : -1;
	if (s->opt.users == NULL)
		return str_lcpy(name, SMTP_POSTMASTER_SYSTEM, size) < size ? 0 : -1;
	return smtp_agent_first_user(s, name, size);
}

struct alias_find {
	const char *name;
	struct buf *targets;
};

/* name: target, target ... */
static int aliases_line(char *line, void *arg)
{
	struct alias_find *f = arg;
	char *colon, *end;

	while (*line == ' ' || *line == '\t')
		line++;
	if (line[0] == '#' || line[0] == '\0')
		return 0;
	colon = strchr(line, ':');
	if (colon == NULL)
		return 0;
	end = colon;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	if (strcasecmp(line, f->name) != 0)
		return 0;
	if (buf_puts(f->targets, colon + 1) < 0)
		return -1;
	return 1;
}

int smtp_alias_lookup(struct smtp *s, const char *name, struct buf *targets)
{
	struct alias_find f = { name, targets };
	int rc;

	if (s->aliases_errno != 0) {
		log_warn("aliases %s: %s", s->opt.aliases, strerror(s->aliases_errno));
		errno = s->aliases_errno;
		return -1;
	}
	if (s->aliases.len == 0)
		return 0;
	rc = each_line(s->aliases.s, s->aliases.len, SMTP_ALIAS_LINE_MAX, aliases_line, &f);
	if (rc < 0)
		log_warn("aliases: %s", strerror(errno));
	return rc;
}

/* Two folder names the same (NULL is INBOX). */
static int same_folder(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static int add_target(struct smtp *s, size_t rcpt, int remote, const char *addr,
		      const char *user, const char *folder)
{
	struct smtp_target *t;
	size_t i;

	for (i = 0; i < s->ntg; i++) {
		/* The same mailbox twice, through aliases or two RCPTs: one copy. LMTP
		 * answers each RCPT for its own delivery (RFC 2033 4.2), so there only
		 * one RCPT's aliases are merged. */
		const struct smtp_target *o = &s->tg[i];

		if ((o->rcpt != rcpt && s->opt.lmtp) || o->remote != remote)
			continue;
		if (remote ? strcmp(o->addr, addr) == 0
			   : strcmp(o->user, user) == 0 && same_folder(o->folder, folder))
			return 0;
	}
	if (s->ntg >= SMTP_TARGETS_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (s->ntg == s->tgcap) {
		size_t cap = s->tgcap == 0 ? 16 : s->tgcap * 2;
		struct smtp_target *n = realloc(s->tg, cap * sizeof *n);
		if (n == NULL)
			return -1;
		s->tg = n;
		s->tgcap = cap;
	}
	t = &s->tg[s->ntg];
	memset(t, 0, sizeof *t);
	t->rcpt = rcpt;
	t->remote = remote;
	t->addr = strdup(addr);
	t->user = user != NULL ? strdup(user) : NULL;
	t->folder = folder != NULL ? strdup(folder) : NULL;
	s->ntg++;
	if (t->addr == NULL || (user != NULL && t->user == NULL) ||
	    (folder != NULL && t->folder == NULL))
		return -1;
	return 0;
}

enum { RES_OK, RES_UNKNOWN, RES_QUOTA, RES_TEMP, RES_LOOP };

struct resolve {
	struct smtp *s;
	size_t rcpt;
	int added;
	const char *domain;	/* of the address being resolved, as configured */
};

/* Our spelling of a local domain d (one of --domain, the host name or localhost), or
 * the first of them for "" (<postmaster>): the domain of Delivered-To. */
static const char *our_domain(const struct smtp *s, const char *d)
{
	size_t i;

	if (s->opt.domains == NULL)
		return strcasecmp(d, "localhost") == 0 ? "localhost" : s->host;
	for (i = 0; s->opt.domains[i] != NULL; i++) {
		if (strcasecmp(d, s->opt.domains[i]) == 0)
			return s->opt.domains[i];
	}
	return s->opt.domains[0];
}

static int resolve_local(struct resolve *r, const char *name, int depth);

/* One alias target: a local name, a local address, or a remote address. */
static int resolve_target(struct resolve *r, const char *t, int depth)
{
	const char *at = strrchr(t, '@');
	char local[SMTP_LOCAL_MAX + 1];

	if (at == NULL)
		return resolve_local(r, t, depth);
	if (smtp_domain_is_local(r->s, at + 1)) {
		const char *was = r->domain;
		int rc;

		if ((size_t)(at - t) > SMTP_LOCAL_MAX)
			return RES_UNKNOWN;
		memcpy(local, t, (size_t)(at - t));
		local[at - t] = '\0';
		r->domain = our_domain(r->s, at + 1);
		rc = resolve_local(r, local, depth);
		r->domain = was;
		return rc;
	}
	/* Forwarding elsewhere is relaying: only for an authenticated sender, and only
	 * through --relay-via. */
	if (!r->s->authed || r->s->opt.relay_via == NULL) {
		log_info("alias target <%.200s> skipped: not relaying for this session", t);
		return RES_OK;
	}
	if (add_target(r->s, r->rcpt, 1, t, NULL, NULL) < 0)
		return RES_TEMP;
	r->added++;
	return RES_OK;
}

static int resolve_alias(struct resolve *r, const char *targets, int depth)
{
	char *copy = strdup(targets), *p, *save = NULL;
	int worst = RES_OK;

	if (copy == NULL)
		return RES_TEMP;
	for (p = strtok_r(copy, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		char *e;
		int rc;

		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*p == '<' && e > p + 1 && e[-1] == '>') {
			p++;
			*--e = '\0';
		}
		if (*p == '\0')
			continue;
		rc = resolve_target(r, p, depth + 1);
		/* A temporary failure or a loop anywhere refuses the RCPT; an unknown target
		 * alone is skipped (logged) if others remain. */
		if (rc == RES_TEMP || rc == RES_LOOP || rc == RES_QUOTA)
			worst = rc;
		else if (rc == RES_UNKNOWN)
			log_warn("alias target <%.200s> is unknown", p);
	}
	free(copy);
	return worst;
}

static int resolve_local(struct resolve *r, const char *name, int depth)
{
	struct smtp *s = r->s;
	char base[SMTP_LOCAL_MAX + 1];
	char mailbox[SMTP_PATH_MAX + 1];
	const char *tag = NULL;
	struct buf targets;
	char *plus;
	size_t i;
	int rc, folder;

	if (depth > SMTP_ALIAS_DEPTH_MAX) {
		log_warn("alias expansion deeper than %d at %.64s", SMTP_ALIAS_DEPTH_MAX, name);
		return RES_LOOP;
	}
	if (str_lcpy(base, name, sizeof base) >= sizeof base)
		return RES_UNKNOWN;
	for (i = 0; base[i] != '\0'; i++)
		base[i] = (char)tolower((unsigned char)base[i]);
	/* Sub-addressing: user+tag (RFC 5233's form). */
	plus = strchr(base, '+');
	if (plus != NULL && plus != base) {
		*plus = '\0';
		tag = name + (plus - base) + 1;
	}
	buf_init(&targets, SMTP_ALIAS_LINE_MAX);
	rc = smtp_alias_lookup(s, base, &targets);
	if (rc < 0) {
		buf_free(&targets);
		return RES_TEMP;
	}
	if (rc == 1) {
		rc = resolve_alias(r, buf_str(&targets), depth);
		buf_free(&targets);
		return rc;
	}
	buf_free(&targets);
	rc = smtp_agent_check(s, base, tag, &folder);
	if (rc == MBOX_UNKNOWN && strcmp(base, SMTP_POSTMASTER) == 0) {
		/* RFC 5321 4.5.1: postmaster must always be accepted. */
		char pm[SMTP_LOCAL_MAX + 1];

		if (postmaster_default(s, pm, sizeof pm) == 0 &&
		    strcasecmp(pm, SMTP_POSTMASTER) != 0) {
			rc = resolve_local(r, pm, depth + 1);
			if (rc != RES_UNKNOWN)
				return rc;
		}
		log_warn("postmaster has no mailbox: alias it, or see --postmaster");
		return RES_TEMP;
	}
	switch (rc) {
	case MBOX_OK:
		break;
	case MBOX_UNKNOWN:
		return RES_UNKNOWN;
	case MBOX_QUOTA:
		return RES_QUOTA;
	default:
		return RES_TEMP;
	}
	if (folder)
		rc = snprintf(mailbox, sizeof mailbox, "%s+%s@%s", base, tag, r->domain);
	else
		rc = snprintf(mailbox, sizeof mailbox, "%s@%s", base, r->domain);
	if (rc < 0 || (size_t)rc >= sizeof mailbox)
		return RES_UNKNOWN;
	if (add_target(s, r->rcpt, 0, mailbox, base, folder ? tag : NULL) < 0)
		return RES_TEMP;
	r->added++;
	return RES_OK;
}

int smtp_rcpt_resolve(struct smtp *s, size_t index)
{
	const struct smtp_addr *a = &s->rcpt[index].addr;
	struct resolve r = { s, index, 0, NULL };
	size_t before = s->ntg;
	int rc;

	if (a->domain[0] != '\0' && !smtp_domain_is_local(s, a->domain)) {
		if (!s->authed || s->opt.relay_via == NULL) {
			log_info("refused relay from=<%s> rcpt=<%s> peer=%s", s->from.text,
				 a->text, s->peer);
			smtp_reply(s, 550, "5.7.1 Relaying denied");
			return 1;
		}
		if (add_target(s, index, 1, a->text, NULL, NULL) < 0) {
			smtp_reply(s, 451, "4.3.0 Temporary failure, try again later");
			return 1;
		}
		return 0;
	}
	r.domain = our_domain(s, a->domain);
	rc = resolve_local(&r, a->local, 0);
	if (rc == RES_OK && r.added == 0)
		rc = RES_UNKNOWN;
	if (rc != RES_OK) {
		/* Nothing of a refused RCPT stays. */
		while (s->ntg > before) {
			s->ntg--;
			free(s->tg[s->ntg].addr);
			free(s->tg[s->ntg].user);
			free(s->tg[s->ntg].folder);
		}
	}
	switch (rc) {
	case RES_OK:
		return 0;
	case RES_QUOTA:
		log_info("refused over quota rcpt=<%s> peer=%s", a->text, s->peer);
		smtp_reply(s, 552, "5.2.2 Mailbox full");
		return 1;
	case RES_TEMP:
	case RES_LOOP:
		/* Refused like the others: the caller must neither count the recipient
		 * nor answer 250 after this 451. */
		smtp_reply(s, 451, "4.3.0 Temporary failure resolving the recipient");
		return 1;
	default:
		log_info("refused unknown rcpt=<%s> peer=%s", a->text, s->peer);
		smtp_reply(s, 550, "5.1.1 No such user here");
		return 1;
	}
}
