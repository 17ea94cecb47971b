package xerr

import "context"

// Context errors are classified without importing them by value elsewhere.
var (
	errContextCanceled = context.Canceled
	errDeadline        = context.DeadlineExceeded
)
