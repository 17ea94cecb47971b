package extract

// CheckPDF exposes checkPDF to the tests of package extract_test.
func CheckPDF(data []byte) bool { return checkPDF(data) }

// Clean and CleanRunes expose clean and its slow path to the tests.
func Clean(s string) string      { return clean(s) }
func CleanRunes(s string) string { return cleanRunes(s) }
