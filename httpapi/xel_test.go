package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xentreetest"
)

func TestXELRoutes(t *testing.T) {
	env := newEnv(t)
	a := loggedIn(t, env)
	_, btok := xentreetest.CreateUser(t, env.eng, "bob@example.com")
	b := map[string]string{"Authorization": "Bearer " + btok.AccessToken}
	task, _ := env.eng.Curriculum().Task("a1-present-simple.1")
	if task == nil {
		for _, m := range env.eng.Curriculum().Modules {
			task = &m.Tasks[0]
			break
		}
	}
	for _, r := range []struct {
		method, url, body string
		h                 map[string]string
		want              int
		has               string
	}{
		{"GET", "/api/xel/modules?level=A1", "", a, 200, `"level":"A1"`},
		{"GET", "/api/xel/modules?skill=cooking", "", a, 400, `"field":"skill"`},
		{"GET", "/api/xel/modules/" + task.ModuleID, "", a, 200, `"tasks":[`},
		{"GET", "/api/xel/modules/no-such-module", "", a, 404, ""},
		{"POST", "/api/xel/tasks/no-such-task/submit", `{"answer":"x"}`, a, 404, ""},
		{"POST", "/api/xel/tasks/" + task.ID + "/submit", `{"answer":[1]}`, a, 400, ""},
		{"POST", "/api/xel/evaluate", `{"kind":"writing","text":"I like my town because it is quiet and green."}`, a, 200, `"cefr_estimate"`},
		{"POST", "/api/xel/evaluate", `{"kind":"singing","text":"la la"}`, a, 400, `"field":"kind"`},
		{"GET", "/api/xel/dashboard", "", b, 200, `"xp_total":0`},
		{"GET", "/api/xp/streak-status", "", a, 200, `"current_streak"`},
		{"GET", "/api/xp/weekly-activity", "", a, 200, `"freeze_covered_dates":[]`},
		{"GET", "/api/xp/learning-pulse", "", a, 200, `"days":[`},
		{"GET", "/api/xp/public-profile/nobody", "", nil, 404, ""},
		{"GET", "/api/xel/dashboard", "", nil, 401, ""},
	} {
		rec := env.do(r.method, r.url, r.body, r.h)
		if rec.Code != r.want || !strings.Contains(rec.Body.String(), r.has) {
			t.Errorf("%s %s: %d %s, want %d with %s", r.method, r.url, rec.Code, rec.Body, r.want, r.has)
		}
		for _, leak := range []string{`"accepted"`, `"correct"`} {
			if strings.Contains(rec.Body.String(), leak) {
				t.Errorf("%s %s leaks %s", r.method, r.url, leak)
			}
		}
	}
}

// selected_options may be the option texts exactly as the module detail
// shows them, or their indexes; a mix, or anything else, is a 400 naming
// the field.
func TestXELSelectedOptionsAsShown(t *testing.T) {
	env := newEnv(t)
	a := loggedIn(t, env)
	var mc *xel.TaskDef
	for _, m := range env.eng.Curriculum().Modules {
		for i := range m.Tasks {
			if m.Tasks[i].Type == xel.TypeMultipleChoice && mc == nil {
				mc, _ = env.eng.Curriculum().Task(m.Tasks[i].ID)
			}
		}
	}
	if mc == nil {
		t.Fatal("no multiple-choice task")
	}
	// The texts as a client reads them off the module detail.
	rec := env.do("GET", "/api/xel/modules/"+mc.ModuleID, "", a)
	var detail struct {
		Tasks []struct {
			ID      string   `json:"id"`
			Options []string `json:"options"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &detail); err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, task := range detail.Tasks {
		if task.ID == mc.ID {
			shown = task.Options
		}
	}
	var texts []string
	for _, i := range mc.Correct {
		texts = append(texts, shown[i])
	}
	asText, _ := json.Marshal(map[string]any{"selected_options": texts})
	asIndex, _ := json.Marshal(map[string]any{"selected_options": mc.Correct})
	mixed, _ := json.Marshal(map[string]any{"selected_options": []any{shown[0], 1}})
	url := "/api/xel/tasks/" + mc.ID + "/submit"
	for _, c := range []struct {
		name, body string
		want       int
		has        string
	}{
		{"texts", string(asText), 201, `"score":100`},
		{"indexes", string(asIndex), 201, `"score":100`},
		{"mixed", string(mixed), 400, `"field":"selected_options"`},
		{"unknown text", `{"selected_options":["no such option"]}`, 400, `"field":"selected_options"`},
		{"booleans", `{"selected_options":[true]}`, 400, `"field":"selected_options"`},
		{"null item", `{"selected_options":[null]}`, 400, `"field":"selected_options"`},
		{"fraction", `{"selected_options":[0.5]}`, 400, `"field":"selected_options"`},
	} {
		rec := env.do("POST", url, c.body, a)
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), c.has) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, rec.Code, rec.Body, c.want, c.has)
		}
	}
}
