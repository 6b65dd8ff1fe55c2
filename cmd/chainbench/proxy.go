package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
)

// boltProxy sits between a chainmap server and Neo4j on 127.0.0.1 and records the query
// text and parameters of every Bolt RUN message, so that the benchmark can PROFILE
// exactly the queries chainmap sends, without changing chainmap.
type boltProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	label  string
	runs   []capturedRun
	keep   bool // keep parameters (off for loads: batches are large)
}

type capturedRun struct {
	Label  string
	Query  string
	Params map[string]any
}

func newBoltProxy(target string, keepParams bool) (*boltProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &boltProxy{ln: ln, target: target, keep: keepParams}
	go p.serve()
	return p, nil
}

func (p *boltProxy) uri() string { return "bolt://" + p.ln.Addr().String() }

func (p *boltProxy) close() { p.ln.Close() }

// setLabel tags the RUN messages seen from now on.
func (p *boltProxy) setLabel(l string) {
	p.mu.Lock()
	p.label = l
	p.mu.Unlock()
}

// take returns and forgets the captured messages.
func (p *boltProxy) take() []capturedRun {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.runs
	p.runs = nil
	return r
}

func (p *boltProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *boltProxy) handle(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	// Handshake: 20 bytes from the client, 4 back; with manifest negotiation (0x000001FF)
	// the server then sends its offers and the client its choice (4 bytes + capabilities).
	hs := make([]byte, 20)
	if _, err := io.ReadFull(client, hs); err != nil {
		return
	}
	if _, err := server.Write(hs); err != nil {
		return
	}
	sr := bufio.NewReader(server)
	resp := make([]byte, 4)
	if _, err := io.ReadFull(sr, resp); err != nil {
		return
	}
	if _, err := client.Write(resp); err != nil {
		return
	}
	cr := bufio.NewReader(client)
	if resp[2] == 0x01 && resp[3] == 0xFF {
		var offers []byte
		n, raw, err := readVarint(sr)
		if err != nil {
			return
		}
		offers = append(offers, raw...)
		buf := make([]byte, 4*n)
		if _, err := io.ReadFull(sr, buf); err != nil {
			return
		}
		offers = append(offers, buf...)
		_, raw, err = readVarint(sr)
		if err != nil {
			return
		}
		offers = append(offers, raw...)
		if _, err := client.Write(offers); err != nil {
			return
		}
		choice := make([]byte, 4)
		if _, err := io.ReadFull(cr, choice); err != nil {
			return
		}
		_, raw, err = readVarint(cr)
		if err != nil {
			return
		}
		if _, err := server.Write(append(choice, raw...)); err != nil {
			return
		}
	}
	go func() {
		io.Copy(client, sr)
		client.Close()
	}()
	// Client → server: chunked messages, forwarded as read, RUN messages decoded.
	var msg []byte
	hdr := make([]byte, 2)
	for {
		if _, err := io.ReadFull(cr, hdr); err != nil {
			return
		}
		size := int(binary.BigEndian.Uint16(hdr))
		chunk := make([]byte, size)
		if _, err := io.ReadFull(cr, chunk); err != nil {
			return
		}
		if _, err := server.Write(append(hdr, chunk...)); err != nil {
			return
		}
		if size == 0 {
			if len(msg) > 0 {
				p.inspect(msg)
			}
			msg = msg[:0]
			continue
		}
		msg = append(msg, chunk...)
	}
}

func readVarint(r *bufio.Reader) (uint64, []byte, error) {
	var v uint64
	var raw []byte
	for shift := 0; shift < 64; shift += 7 {
		b, err := r.ReadByte()
		if err != nil {
			return 0, nil, err
		}
		raw = append(raw, b)
		v |= uint64(b&0x7F) << shift
		if b&0x80 == 0 {
			return v, raw, nil
		}
	}
	return 0, nil, errors.New("varint too long")
}

// inspect records a RUN message (struct signature 0x10: query, parameters, extra).
func (p *boltProxy) inspect(msg []byte) {
	if len(msg) < 2 || msg[0]&0xF0 != 0xB0 || msg[1] != 0x10 {
		return
	}
	d := &unpacker{b: msg[2:]}
	q, err := d.value()
	if err != nil {
		return
	}
	query, ok := q.(string)
	if !ok {
		return
	}
	var params map[string]any
	if p.keep {
		v, err := d.value()
		if err == nil {
			params, _ = v.(map[string]any)
		}
	}
	p.mu.Lock()
	p.runs = append(p.runs, capturedRun{Label: p.label, Query: query, Params: params})
	p.mu.Unlock()
}

// unpacker decodes PackStream values (the types parameters use).
type unpacker struct {
	b []byte
	i int
}

var errShort = errors.New("packstream: short message")

func (u *unpacker) need(n int) ([]byte, error) {
	if u.i+n > len(u.b) {
		return nil, errShort
	}
	s := u.b[u.i : u.i+n]
	u.i += n
	return s, nil
}

func (u *unpacker) size(n int) (int, error) {
	s, err := u.need(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return int(s[0]), nil
	case 2:
		return int(binary.BigEndian.Uint16(s)), nil
	}
	return int(binary.BigEndian.Uint32(s)), nil
}

func (u *unpacker) value() (any, error) {
	m, err := u.need(1)
	if err != nil {
		return nil, err
	}
	c := m[0]
	switch {
	case c <= 0x7F:
		return int64(c), nil
	case c >= 0xF0:
		return int64(int8(c)), nil
	case c&0xF0 == 0x80:
		return u.str(int(c & 0x0F))
	case c&0xF0 == 0x90:
		return u.list(int(c & 0x0F))
	case c&0xF0 == 0xA0:
		return u.dict(int(c & 0x0F))
	case c&0xF0 == 0xB0:
		if _, err := u.need(1); err != nil {
			return nil, err
		}
		fields := make([]any, c&0x0F)
		for i := range fields {
			if fields[i], err = u.value(); err != nil {
				return nil, err
			}
		}
		return fields, nil
	}
	switch c {
	case 0xC0:
		return nil, nil
	case 0xC1:
		s, err := u.need(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(s)), nil
	case 0xC2:
		return false, nil
	case 0xC3:
		return true, nil
	case 0xC8:
		s, err := u.need(1)
		if err != nil {
			return nil, err
		}
		return int64(int8(s[0])), nil
	case 0xC9:
		s, err := u.need(2)
		if err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(s))), nil
	case 0xCA:
		s, err := u.need(4)
		if err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(s))), nil
	case 0xCB:
		s, err := u.need(8)
		if err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(s)), nil
	case 0xCC, 0xCD, 0xCE:
		n, err := u.size(1 << (c - 0xCC))
		if err != nil {
			return nil, err
		}
		s, err := u.need(n)
		return append([]byte(nil), s...), err
	case 0xD0, 0xD1, 0xD2:
		n, err := u.size(1 << (c - 0xD0))
		if err != nil {
			return nil, err
		}
		return u.str(n)
	case 0xD4, 0xD5, 0xD6:
		n, err := u.size(1 << (c - 0xD4))
		if err != nil {
			return nil, err
		}
		return u.list(n)
	case 0xD8, 0xD9, 0xDA:
		n, err := u.size(1 << (c - 0xD8))
		if err != nil {
			return nil, err
		}
		return u.dict(n)
	}
	return nil, fmt.Errorf("packstream: unknown marker %#x", c)
}

func (u *unpacker) str(n int) (any, error) {
	s, err := u.need(n)
	if err != nil {
		return nil, err
	}
	return string(s), nil
}

func (u *unpacker) list(n int) (any, error) {
	out := make([]any, n)
	for i := range out {
		v, err := u.value()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (u *unpacker) dict(n int) (any, error) {
	out := make(map[string]any, n)
	for i := 0; i < n; i++ {
		k, err := u.value()
		if err != nil {
			return nil, err
		}
		ks, _ := k.(string)
		v, err := u.value()
		if err != nil {
			return nil, err
		}
		out[ks] = v
	}
	return out, nil
}
