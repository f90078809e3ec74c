/* report_svg: the ladder diagram of one transcript as inline SVG, for
 * the HTML report.  Two columns (client, server), one arrow per line
 * sent or received, the failing step in red with expected and got side
 * by side.  Every label is escaped; long lines and long replies are
 * shortened (the HTML report shows the full text next to it). */
#ifndef MS_REPORT_SVG_H
#define MS_REPORT_SVG_H

#include <stdio.h>

#include "mailspec/result.h"

/* Lines of one reply drawn before "... N more lines". */
#define MS_SVG_MAX_REPLY_LINES 24
/* Characters of one label before an ellipsis. */
#define MS_SVG_MAX_LABEL 80

void ms_report_svg_ladder(FILE *out, const struct ms_transcript_result *t);

#endif
