package extract

// CheckPDF exposes checkPDF to the tests of package extract_test.
func CheckPDF(data []byte) bool { return checkPDF(data) }
