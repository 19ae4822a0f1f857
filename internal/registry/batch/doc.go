// Package batch holds the defaulting and validation rules of the batch/v1
// group (Job, CronJob), matching upstream Kubernetes field paths and
// messages, and the standard cron schedule parser the CronJob controller
// uses.
package batch
