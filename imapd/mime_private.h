/* Shared by mime.c and mime_fields.c only: the tree's memory and field parsing. */
#ifndef MIME_PRIVATE_H
#define MIME_PRIVATE_H

#include "mime.h"

/* Memory that lives as long as the tree; NULL on ENOMEM. */
void *mime_alloc(struct mime_msg *m, size_t n);
char *mime_strndup(struct mime_msg *m, const char *s, size_t n);
/* Fill p's Content-* members from its header. 0, or -1 on ENOMEM. */
int mime_fields_parse(struct mime_msg *m, struct mime_part *p, const char *hdr, size_t len);

#endif
