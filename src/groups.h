/* groups.h: intersectional groups of training rows and of later rows (groups.c). Internal. */
#ifndef FAIRC_GROUPS_H
#define FAIRC_GROUPS_H

#include "encode.h"

/* e->group_names <- the intersection groups of e->sensitive that occur in t, in fairc order
 * (SPEC §1.5: levels sorted numerically when every present value is a number, else by bytes,
 * the missing level '?' last; first column most significant), and group[i] (N) <- row i's
 * group index. With no sensitive columns every row is in one group named "all". */
int fairc_groups_fit(const fairc_table *t, fairc_encoder *e, int32_t *group, fairc_status *st);

/* Maps rows of a later file to the groups seen at fit, by their escaped names. */
typedef struct fairc_group_index fairc_group_index;
int fairc_group_index_new(const fairc_encoder *e, const fairc_reader *r, fairc_group_index **out,
                          fairc_status *st);
/* Group index of r's current record, or -1 when its combination was not seen at fit; *name (if
 * not NULL) gets the row's group name, valid until the next call. */
long fairc_group_index_row(fairc_group_index *x, const fairc_reader *r, const char **name);
void fairc_group_index_free(fairc_group_index **x);

#endif
