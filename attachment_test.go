package chainmap

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// zipOf builds an archive of the named parts.
func zipOf(t *testing.T, parts map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckAttachment(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}
	docx := zipOf(t, map[string][]byte{"[Content_Types].xml": []byte("<Types/>"), "word/document.xml": []byte("<w:document/>")})
	xlsx := zipOf(t, map[string][]byte{"[Content_Types].xml": []byte("<Types/>"), "xl/workbook.xml": []byte("<workbook/>")})
	ofd := zipOf(t, map[string][]byte{"OFD.xml": []byte("<ofd:OFD/>"), "Doc_0/Document.xml": []byte("<x/>")})
	bomb := zipOf(t, map[string][]byte{"[Content_Types].xml": []byte("<Types/>"), "word/document.xml": make([]byte, 2<<20)})
	many := map[string][]byte{"[Content_Types].xml": nil, "word/document.xml": nil}
	for i := range 2001 {
		many["word/media/x"+strings.Repeat("0", 4)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676))] = nil
	}
	for _, c := range []struct {
		name     string
		content  []byte
		wantName string // "" when refused
		wantType string
		why      string // part of the refusal
	}{
		{"协议.pdf", pdf, "协议.pdf", "application/pdf", ""},
		{"scan.PNG", png, "scan.PNG", "image/png", ""},
		{"photo.jpeg", jpeg, "photo.jpeg", "image/jpeg", ""},
		{"voucher", jpeg, "voucher.jpg", "image/jpeg", ""}, // no extension: the type's is added
		{"合同.docx", docx, "合同.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"台账.xlsx", xlsx, "台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ""},
		{"执照.ofd", ofd, "执照.ofd", "application/ofd", ""},
		{"../../etc/passwd.pdf", pdf, "passwd.pdf", "application/pdf", ""},                                // path traversal: last element only
		{`C:\Users\x\..\协议.pdf`, pdf, "协议.pdf", "application/pdf", ""},                                    // Windows path
		{"a\x00b\u202e.pdf", pdf, "a_b_.pdf", "application/pdf", ""},                                      // control and bidi characters
		{"...", pdf, "attachment.pdf", "application/pdf", ""},                                             // nothing left of the name
		{strings.Repeat("长", 300) + ".pdf", pdf, strings.Repeat("长", 96) + ".pdf", "application/pdf", ""}, // long name, extension kept
		{"empty.pdf", nil, "", "", "is empty"},
		{"huge.pdf", append(pdf, make([]byte, MaxAttachmentBytes)...), "", "", "10 MiB"},
		{"scan.pdf", png, "", "", "holds a PNG image"},                               // wrong extension
		{"invoice.pdf.exe", pdf, "", "", "named .exe"},                               // double extension
		{"page.pdf", []byte("<html><script>alert(1)</script>"), "", "", "not a PDF"}, // HTML posing as a PDF
		{"setup.pdf", []byte("MZ\x90\x00"), "", "", "not a PDF"},
		{"bomb.docx", bomb, "", "", "zip bomb"},
		{"many.docx", zipOf(t, many), "", "", "more than 2000 parts"},
		{"plain.zip", zipOf(t, map[string][]byte{"a.txt": []byte("x")}), "", "", "not a DOCX, XLSX or OFD"},
		{"broken.docx", []byte("PK\x03\x04garbage"), "", "", "not a readable archive"},
	} {
		name, typ, err := CheckAttachment(c.name, c.content)
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%.40q: %v", c.name, err)
		case c.why == "" && (name != c.wantName || typ != c.wantType):
			t.Errorf("%.40q: %q %q, want %q %q", c.name, name, typ, c.wantName, c.wantType)
		case c.why != "" && (err == nil || ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), c.why)):
			t.Errorf("%.40q: %v, want a refusal saying %q", c.name, err, c.why)
		case err != nil && len(err.Error()) > 300:
			t.Errorf("%.40q: message of %d bytes", c.name, len(err.Error()))
		}
	}
}
