package calendar

import "time"

// Moscow is the time zone in which deadline dates end and "today" is counted. Russia has
// kept UTC+3 without daylight saving since 2014; a fixed zone needs no tz database, which
// workflow code must not read.
var Moscow = time.FixedZone("MSK", 3*60*60)
