package app

import (
	"sync"
	"testing"
	"time"
)

func TestNotifierDeliversInOrderAndAllowsCallbacks(t *testing.T) {
	n := newNotifier()
	go n.run()
	var mu sync.Mutex
	var got []Phase
	var again func()
	stop := n.subscribe(func(s State) {
		mu.Lock()
		got = append(got, s.Phase)
		mu.Unlock()
		if s.Phase == PhaseSubmitting {
			again() // a subscriber may publish (through the Core) from its callback
		}
	})
	again = func() { n.publish(State{Phase: PhaseVerifying}) }
	for _, p := range []Phase{PhaseStarting, PhaseSignedOut, PhaseSubmitting} {
		n.publish(State{Phase: p})
	}
	deadline := time.Now().Add(time.Second)
	for {
		mu.Lock()
		l := len(got)
		mu.Unlock()
		if l == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	n.publish(State{Phase: PhaseSignedIn}) // after unsubscribe: not delivered
	n.close()
	mu.Lock()
	defer mu.Unlock()
	want := []Phase{PhaseStarting, PhaseSignedOut, PhaseSubmitting, PhaseVerifying}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestStateIsACopy(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	c.SignIn(t.Context(), "d@x", "wrong", true)
	st := c.State()
	if st.Problem == nil {
		t.Fatal("no problem to mutate")
	}
	st.Problem.Params["Server"] = "changed"
	st.Problem.Code = "changed"
	if again := c.State(); again.Problem.Code == "changed" || again.Problem.Params["Server"] == "changed" {
		t.Error("a snapshot shares memory with the Core")
	}
}
