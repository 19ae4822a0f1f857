// Package cron parses CronJob schedules (standard five-field cron syntax
// and @-macros) and computes their next activation. It is shared by
// CronJob validation and the CronJob controller.
package cron
