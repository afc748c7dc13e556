/*
 * The DATA/BDAT content machine (see data.h). One byte at a time through five states;
 * a CR is held back until the next byte shows whether it starts a CR LF.
 */
#include "data.h"

#include "limits.h"

#include <errno.h>
#include <string.h>

enum {
	ST_BOL,		/* at the start of a line (also right after the DATA command) */
	ST_TEXT,	/* inside a line */
	ST_CR,		/* a CR was seen inside a line */
	ST_DOT,		/* "." at the start of a line */
	ST_DOTCR,	/* "." CR at the start of a line */
};

void smtp_data_init(struct smtp_data *d, enum smtp_data_mode mode, uint64_t max,
		    struct buf *out)
{
	memset(d, 0, sizeof *d);
	d->mode = mode;
	d->st = mode == SMTP_DATA_DOT ? ST_BOL : ST_TEXT;
	d->max = max;
	d->out = out;
}

static void store(struct smtp_data *d, char c, unsigned wire)
{
	d->size += wire;
	if (d->max != 0 && d->size > d->max)
		d->err |= SMTP_DATA_E_SIZE;
	if (d->err != 0 || d->out == NULL)
		return;
	if (buf_putc(d->out, c) < 0)
		d->err |= errno == E2BIG ? SMTP_DATA_E_SIZE : SMTP_DATA_E_MEM;
}

/* One octet counted towards the line limit (DATA only). */
static void count(struct smtp_data *d)
{
	if (d->mode == SMTP_DATA_DOT && ++d->line > SMTP_TEXT_LINE_MAX)
		d->err |= SMTP_DATA_E_LONG;
}

/* A byte inside a line (state TEXT or after a lone CR). */
static void text(struct smtp_data *d, unsigned char c)
{
	count(d);
	d->st = ST_TEXT;
	if (c == '\r') {
		d->st = ST_CR;
		return;
	}
	if (d->mode == SMTP_DATA_DOT) {
		/* A bare LF stays inside the line: "\n.\n" or "\n.\r\n" never ends DATA. */
		if (c == '\n')
			d->err |= SMTP_DATA_E_BARE;
		else if (c == '\0')
			d->err |= SMTP_DATA_E_NUL;
	}
	store(d, (char)c, 1);
}

size_t smtp_data_feed(struct smtp_data *d, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n && !d->done; i++) {
		unsigned char c = s[i];

		switch (d->st) {
		case ST_BOL:
			d->line = 0;
			if (c == '.') {
				count(d);
				d->st = ST_DOT;
			} else {
				text(d, c);
			}
			break;
		case ST_DOT:
			if (c == '\r') {
				count(d);
				d->st = ST_DOTCR;
			} else {
				/* The stuffed dot is dropped (4.5.2) and not counted in the
				 * line length (4.5.3.1.6). */
				d->line--;
				text(d, c);
			}
			break;
		case ST_DOTCR:
			if (c == '\n') {
				d->done = 1;
			} else {
				/* ". CR x": a bare CR; the line is "." CR x ... */
				d->err |= SMTP_DATA_E_BARE;
				text(d, c);
			}
			break;
		case ST_CR:
			if (c == '\n') {
				count(d);
				store(d, '\n', 2);
				d->st = d->mode == SMTP_DATA_DOT ? ST_BOL : ST_TEXT;
				d->line = 0;
			} else {
				if (d->mode == SMTP_DATA_DOT)
					d->err |= SMTP_DATA_E_BARE;
				store(d, '\r', 1);
				text(d, c);
			}
			break;
		default:
			text(d, c);
			break;
		}
	}
	return i;
}

void smtp_data_finish(struct smtp_data *d)
{
	if (d->st == ST_CR)
		store(d, '\r', 1);
	d->st = ST_TEXT;
	d->done = 1;
}
