package openapi

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	mimeJSON = "application/json"
	// mimeV2Proto is what clients ask for; the response is labelled with
	// mimeV2ProtoReply, the spelling that mime.ParseMediaType accepts (as
	// upstream does).
	mimeV2Proto      = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
	mimeV2ProtoReply = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
)

// servedDoc is a document serialized once, in both encodings.
type servedDoc struct {
	json, pb         []byte
	jsonETag, pbETag string
	err              error
}

func etag(b []byte) string {
	return fmt.Sprintf("%X", sha512.Sum512(b))
}

// swagger assembles the v2 document.
func (s *Spec) swagger() *spec.Swagger {
	paths := map[string]spec.PathItem{}
	for _, gv := range s.gvs {
		for i := range s.routes[gv] {
			rt := &s.routes[gv][i]
			paths[rt.path] = pathItemV2(rt)
		}
	}
	var sw spec.Swagger
	sw.Swagger = "2.0"
	sw.Info = &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: "unversioned"}}
	sw.Paths = &spec.Paths{Paths: paths}
	sw.Definitions = s.defsV2
	var bearer spec.SecurityScheme
	bearer.Type, bearer.Name, bearer.In, bearer.Description = "apiKey", "authorization", "header", "Bearer Token authentication"
	sw.SecurityDefinitions = spec.SecurityDefinitions{"BearerToken": &bearer}
	sw.Security = []map[string][]string{{"BearerToken": {}}}
	return &sw
}

func (s *Spec) v2Document() *servedDoc {
	s.v2Once.Do(func() {
		d := &s.v2Doc
		d.json, d.err = json.Marshal(s.swagger())
		if d.err != nil {
			d.err = fmt.Errorf("marshal openapi v2: %w", d.err)
			return
		}
		doc, err := openapiv2.ParseDocument(d.json)
		if err != nil {
			d.err = fmt.Errorf("convert openapi v2 to protobuf: %w", err)
			return
		}
		if d.pb, d.err = proto.Marshal(doc); d.err != nil {
			d.err = fmt.Errorf("marshal openapi v2 protobuf: %w", d.err)
			return
		}
		d.jsonETag, d.pbETag = etag(d.json), etag(d.pb)
	})
	return &s.v2Doc
}

// V2 serves /openapi/v2 as JSON or, when asked for with the Accept header,
// as the gnostic protobuf kubectl prefers. Responses carry an ETag and
// honour If-None-Match.
func (s *Spec) V2() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		pb, ok := wantsProto(r.Header.Get("Accept"))
		if !ok {
			http.Error(w, "openapi v2 is served as "+mimeJSON+" or "+mimeV2Proto, http.StatusNotAcceptable)
			return
		}
		d := s.v2Document()
		if d.err != nil {
			slog.Error("serve openapi v2", "err", d.err)
			http.Error(w, "openapi v2 document unavailable", http.StatusInternalServerError)
			return
		}
		body, tag, ctype := d.json, d.jsonETag, mimeJSON
		if pb {
			body, tag, ctype = d.pb, d.pbETag, mimeV2ProtoReply
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Etag", strconv.Quote(tag))
		w.Header().Add("Vary", "Accept")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

// wantsProto picks the encoding from an Accept header, in the client's
// order of listing: protobuf, JSON, or (ok false) nothing we serve.
func wantsProto(accept string) (pb, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return false, true
	}
	for clause := range strings.SplitSeq(accept, ",") {
		// mime.ParseMediaType rejects the '@' of the protobuf type.
		mt, params, _ := strings.Cut(clause, ";")
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok && strings.Trim(q, "0.") == "" {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case mimeV2Proto, mimeV2ProtoReply:
			return true, true
		case mimeJSON, "application/*", "*/*":
			return false, true
		}
	}
	return false, false
}
