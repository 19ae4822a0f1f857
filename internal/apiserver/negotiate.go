package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/munnerz/goautoneg"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// output says what shape a response takes besides its wire format.
type output int

const (
	outObject  output = iota
	outTable          // as=Table;g=meta.k8s.io
	outPartial        // as=PartialObjectMetadata(List);g=meta.k8s.io
)

// negotiated is the outcome of reading a request's Accept header.
type negotiated struct {
	codec  *codec
	output output
	// metaVersion is the meta.k8s.io version asked for (v1 or v1beta1).
	metaVersion string
	pretty      bool
}

// negotiate picks the response format from Accept. transforms says whether
// Table and PartialObjectMetadata are possible for this request.
func negotiate(r *http.Request, transforms bool) (negotiated, error) {
	accept := r.Header.Get("Accept")
	pretty := r.URL.Query().Get("pretty") == "true" || r.URL.Query().Get("pretty") == "1"
	if accept == "" {
		return negotiated{codec: codecJSON, pretty: pretty}, nil
	}
	for _, a := range goautoneg.ParseAccept(accept) {
		if a.Q == 0 {
			continue
		}
		c := clauseCodec(a.Type, a.SubType)
		if c == nil {
			continue
		}
		as := a.Params["as"]
		if as == "" {
			return negotiated{codec: c, pretty: pretty}, nil
		}
		if !transforms || a.Params["g"] != "meta.k8s.io" || (a.Params["v"] != "v1" && a.Params["v"] != "v1beta1") {
			continue
		}
		switch as {
		case "Table":
			return negotiated{codec: c, output: outTable, metaVersion: a.Params["v"], pretty: pretty}, nil
		case "PartialObjectMetadata", "PartialObjectMetadataList":
			return negotiated{codec: c, output: outPartial, metaVersion: a.Params["v"], pretty: pretty}, nil
		}
	}
	return negotiated{}, statusError(http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		fmt.Sprintf("only the following media types are accepted: %s", strings.Join([]string{mediaJSON, mediaYAML, mediaProtobuf}, ", ")))
}

func clauseCodec(typ, sub string) *codec {
	switch {
	case typ == "*" && sub == "*", typ == "application" && sub == "*":
		return codecJSON
	case typ == "application" && sub == "json":
		return codecJSON
	case typ == "application" && sub == "yaml":
		return codecYAML
	case typ == "application" && sub == "vnd.kubernetes.protobuf":
		return codecProtobuf
	}
	return nil
}
