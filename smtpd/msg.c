/*
 * DATA and BDAT: reading message content through the pure machine of data.c, and the
 * replies once it has ended. The content is read to its real end whatever goes wrong,
 * so the next command is read in sync, and a refused message leaves nothing on disk.
 * The content goes to the spool file as it comes (spool.c), never whole into memory.
 * SMTP gets one reply for the message, LMTP one per accepted recipient (RFC 2033 4.2).
 */
#include "smtp.h"

#include "log.h"

#include <errno.h>
#include <string.h>

static void log_refused(struct smtp *s, const char *why)
{
	log_info("refused from=<%s> rcpts=%zu size=%llu peer=%s: %s", s->from.text,
		 s->nrcpt, (unsigned long long)s->data.size, s->peer, why);
}

/* The same reply for the whole message: once in SMTP (and for an LMTP BDAT chunk that
 * is not the last), else once per accepted recipient, as RFC 2033 4.2 wants after the
 * end of the data: an LMTP client waits for that many replies. */
static void reply_all(struct smtp *s, int final, int code, const char *text)
{
	size_t i;

	if (!s->opt.lmtp || !final) {
		smtp_reply(s, code, "%s", text);
		return;
	}
	for (i = 0; i < s->nrcpt; i++)
		smtp_reply(s, code, "%s <%s>", text, s->rcpt[i].addr.text);
}

/* The reply for a message the machine refused (final: its end was reached). */
static void refuse(struct smtp *s, int final)
{
	unsigned e = s->data.err;

	if (e & SMTP_DATA_E_SIZE) {
		log_refused(s, "too big");
		reply_all(s, final, 552, "5.3.4 Message size exceeds fixed maximum message size");
	} else if (e & SMTP_DATA_E_BARE) {
		log_refused(s, "bare CR or LF");
		reply_all(s, final, 550, "5.6.0 Bare CR or LF in message data not allowed "
			  "(RFC 5321 2.3.8)");
	} else if (e & SMTP_DATA_E_NUL) {
		log_refused(s, "NUL byte");
		reply_all(s, final, 554, "5.6.0 NUL byte in message data not allowed");
	} else if (e & SMTP_DATA_E_LONG) {
		log_refused(s, "line too long");
		/* 554, not 500: RFC 5321 4.3.2 lists 250, 552, 554, 451, 452, 450
		 * and 550 as the replies to the end of the data. */
		reply_all(s, final, 554,
			  "5.5.2 Line too long in message data (RFC 5321 4.5.3.1.6)");
	} else {
		log_refused(s, "out of memory");
		reply_all(s, final, 451, "4.3.0 Out of memory, try again later");
	}
}

static const char *result_text(enum smtp_result r, int *code)
{
	switch (r) {
	case SMTP_R_OK:
		*code = 250;
		return "2.0.0 Ok: delivered";
	case SMTP_R_QUOTA:
		*code = 552;
		return "5.2.2 Mailbox full";
	case SMTP_R_RELAY_TEMP:
		*code = 451;
		return "4.4.0 Relay temporarily failed, try again later";
	case SMTP_R_RELAY_FAIL:
		*code = 554;
		return "5.4.0 Relay failed";
	case SMTP_R_TEMP:
	default:
		*code = 451;
		return "4.3.0 Local delivery failed, try again later";
	}
}

static const char *result_name(enum smtp_result r)
{
	static const char *names[] = { "delivered", "temporary failure", "over quota",
				       "relay temporary failure", "relay failed" };
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

/* Ready for a message: an empty spool, and the machine storing into s->msg. */
static void start(struct smtp *s, enum smtp_data_mode mode)
{
	/* Room for a chunk and one more read (data.c stores at most one octet more than
	 * it is fed) before smtp_spool_flush empties it. */
	buf_init(&s->msg, SMTP_SPOOL_CHUNK + 2 * LINE_INBUF);
	smtp_spool_reset(s);
	smtp_data_init(&s->data, mode, s->opt.size, &s->msg);
}

/* The machine took some: what fills a chunk goes to the spool. */
static void fed(struct smtp *s)
{
	if (s->data.err == 0)
		smtp_spool_flush(s, 0);
}

/* The message is complete: deliver it and reply. */
static int finish(struct smtp *s)
{
	enum smtp_result worst = SMTP_R_OK;
	const char *text;
	size_t i, k;
	int code;

	if (s->data.err != 0) {
		refuse(s, 1);
		smtp_enter_state(s, SMTP_READY);
		return 0;
	}
	smtp_spool_flush(s, 1);
	if (s->spool_err) {
		log_refused(s, "cannot spool");
		reply_all(s, 1, 451, "4.3.0 Cannot store the message now, try again later");
		smtp_enter_state(s, SMTP_READY);
		return 0;
	}
	if (smtp_deliver(s, !s->opt.lmtp) < 0)
		return -1;
	if (s->opt.lmtp) {
		/* RFC 2033 4.2: one reply per successful RCPT, in order. */
		for (i = 0; i < s->nrcpt; i++) {
			enum smtp_result r = SMTP_R_OK;
			for (k = 0; k < s->ntg; k++) {
				if (s->tg[k].rcpt == i && s->tg[k].result != SMTP_R_OK &&
				    r == SMTP_R_OK)
					r = (enum smtp_result)s->tg[k].result;
			}
			text = result_text(r, &code);
			log_info("message from=<%s> rcpt=<%s> size=%llu result=%s peer=%s",
				 s->from.text, s->rcpt[i].addr.text,
				 (unsigned long long)s->data.size, result_name(r), s->peer);
			smtp_reply(s, code, "%s <%s>", text, s->rcpt[i].addr.text);
		}
	} else {
		for (k = 0; k < s->ntg && worst == SMTP_R_OK; k++)
			worst = (enum smtp_result)s->tg[k].result;
		text = result_text(worst, &code);
		log_info("message from=<%s> rcpts=%zu size=%llu result=%s peer=%s",
			 s->from.text, s->nrcpt, (unsigned long long)s->data.size,
			 result_name(worst), s->peer);
		smtp_reply(s, code, "%s", text);
	}
	smtp_enter_state(s, SMTP_READY);
	return 0;
}

/* Read failure while reading content: the connection is over. */
static int read_failed(struct smtp *s, long n)
{
	if (n < 0 && errno == ETIMEDOUT) {
		log_info("timeout in message data peer=%s", s->peer);
		smtp_reply(s, 421, "4.4.2 %s Timeout, closing connection", s->host);
	} else {
		log_info("connection lost in message data from=<%s> peer=%s", s->from.text,
			 s->peer);
	}
	s->done = 1;
	smtp_enter_state(s, SMTP_READY);
	return 0;
}

int smtp_cmd_data(struct smtp *s, struct smtp_cmd *c)
{
	/* At least LINE_INBUF: line_read_raw then hands over all read-ahead at once, and
	 * what follows the end marker can be pushed back in front. */
	static char raw[LINE_INBUF];

	if (c->rest[0] != '\0') {
		smtp_reply(s, 501, "5.5.4 DATA takes no arguments");
		return 1;
	}
	start(s, SMTP_DATA_DOT);
	smtp_reply(s, 354, "End data with <CR><LF>.<CR><LF>");
	if (out_flush(&s->out) < 0)
		return -1;
	s->in.timeout_ms = s->data_timeout_ms;
	while (!s->data.done) {
		ssize_t n = line_read_raw(&s->in, raw, sizeof raw);
		size_t used;

		if (n <= 0)
			return read_failed(s, (long)n);
		used = smtp_data_feed(&s->data, raw, (size_t)n);
		fed(s);
		if (used < (size_t)n)
			line_push(&s->in, raw + used, (size_t)n - used);
	}
	return finish(s);
}

/* Read and hand to the machine (or drop, when d is NULL) exactly n octets. */
static int read_chunk(struct smtp *s, uint64_t n, struct smtp_data *d)
{
	static char raw[LINE_INBUF];

	s->in.timeout_ms = s->data_timeout_ms;
	while (n > 0) {
		size_t want = n < sizeof raw ? (size_t)n : sizeof raw;
		ssize_t got = line_read_raw(&s->in, raw, want);

		if (got <= 0) {
			read_failed(s, (long)got);
			return -1;
		}
		if (d != NULL) {
			smtp_data_feed(d, raw, (size_t)got);
			fed(s);
		}
		n -= (uint64_t)got;
	}
	return 0;
}

int smtp_cmd_bdat(struct smtp *s, struct smtp_cmd *c)
{
	uint64_t size;
	int last;

	if (smtp_bdat_args(c->rest, &size, &last) < 0) {
		/* Without a size the chunk cannot be skipped: the stream is lost. */
		smtp_reply(s, 501, "5.5.4 Syntax: BDAT size [LAST], closing connection");
		s->done = 1;
		return 1;
	}
	if (s->state != SMTP_RCPT && s->state != SMTP_BDAT) {
		if (read_chunk(s, size, NULL) < 0)
			return 0;
		if (s->state == SMTP_GREETED)
			smtp_reply(s, 503, "5.5.1 Send %s first", s->opt.lmtp ? "LHLO" : "EHLO");
		else
			smtp_reply(s, 503, "5.5.1 Need MAIL and RCPT before BDAT");
		return 1;
	}
	if (s->state == SMTP_RCPT) {
		start(s, SMTP_DATA_BDAT);
		smtp_enter_state(s, SMTP_BDAT);
	}
	if (read_chunk(s, size, &s->data) < 0)
		return 0;
	if (s->data.err != 0) {
		/* RFC 3030 section 2: after a failed chunk the transaction is over; later
		 * chunks get 503 until a new MAIL. */
		refuse(s, last);
		smtp_enter_state(s, SMTP_READY);
		return 1;
	}
	if (!last) {
		smtp_reply(s, 250, "2.0.0 %llu octets received", (unsigned long long)size);
		return 0;
	}
	smtp_data_finish(&s->data);
	return finish(s);
}
