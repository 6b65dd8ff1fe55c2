package server_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chainmap/chainmap/server"
)

// TestSlowClientsCannotTakeEveryConnection is a sibling of issue 12's slow-client probe,
// found by the review: connections that send a header and then one body byte at a time
// were held for the 30 s read timeout each, without any bound, until accept failed with
// "too many open files". Past MaxConns (here 20) a new connection is closed as soon as it
// is accepted, and once the slow clients go the server answers again.
func TestSlowClientsCannotTakeEveryConnection(t *testing.T) {
	addr, _, _ := runServer(t, load(t, "../testdata/minimal"), server.Config{MaxConns: 20, MaxConnsPerClient: 20})
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for range 40 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		slow = append(slow, c)
	}
	// Count the connections the server kept: a closed one reads EOF at once.
	// Read all at once: past a deadline, Read answers "timeout" even on a closed one.
	held := make(chan bool, len(slow))
	for _, c := range slow {
		go func() {
			c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			_, err := c.Read(make([]byte, 1))
			ne, ok := err.(net.Error)
			held <- ok && ne.Timeout()
		}()
	}
	kept := 0
	for range slow {
		if <-held {
			kept++
		}
	}
	if kept > 20 {
		t.Errorf("the server holds %d slow connections, more than MaxConns = 20", kept)
	}
	if kept == 0 {
		t.Error("the server kept no connection at all")
	}
	for _, c := range slow {
		c.Close()
	}
	slow = nil
	// The freed slots serve honest clients again (a guard against a hang, not a timing).
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer 30 s after the slow clients left: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
