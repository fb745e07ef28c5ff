package quietlocale

import "testing"

func TestCLocalesReadAsEnglish(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // LANGUAGE to set; "" for none
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "C.utf8"}, "en"},
		{map[string]string{"LANG": "POSIX.UTF-8"}, "en"},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "C"}, "en"},
		// go-locale already reads these as English, or reads a real language
		{map[string]string{"LANG": "C"}, ""},
		{map[string]string{"LANG": "POSIX"}, ""},
		{map[string]string{}, ""},
		{map[string]string{"LANG": "ko_KR.UTF-8"}, ""},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "ko:en"}, ""},
		{map[string]string{"LC_MESSAGES": "de_DE.UTF-8", "LANG": "C.UTF-8"}, ""},
	} {
		// Given the locale variables, when the package decides, then only an unparsable C locale gets LANGUAGE=en.
		got, ok := englishFor(func(k string) string { return tc.env[k] })
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%v: LANGUAGE=%q (set %v), want %q", tc.env, got, ok, tc.want)
		}
	}
}
