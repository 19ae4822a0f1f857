package apiserver

import (
	"mime"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/berth-dev/berth/internal/api"
)

// Media types berth speaks.
const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"

	mediaJSONPatch      = "application/json-patch+json"
	mediaMergePatch     = "application/merge-patch+json"
	mediaStrategicPatch = "application/strategic-merge-patch+json"
	mediaApplyPatchYAML = "application/apply-patch+yaml"
)

// codec is one wire format: how to encode responses and decode bodies.
type codec struct {
	mediaType string
	encoder   runtime.Encoder
	// decoder ignores unknown fields; strict reports them (and duplicates)
	// as strict decoding errors while still decoding.
	decoder, strict runtime.Decoder
	// stream is set for formats that frame watch events themselves.
	streamMediaType string
}

var (
	jsonSerializer   = json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{})
	jsonStrict       = json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{Strict: true})
	jsonPretty       = json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{Pretty: true})
	yamlSerializer   = json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{Yaml: true})
	yamlStrict       = json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{Yaml: true, Strict: true})
	protoSerializer  = protobuf.NewSerializer(api.Scheme, api.Scheme)
	protoRaw         = protobuf.NewRawSerializer(api.Scheme, api.Scheme)
	codecJSON        = &codec{mediaType: mediaJSON, encoder: jsonSerializer, decoder: jsonSerializer, strict: jsonStrict, streamMediaType: mediaJSON}
	codecYAML        = &codec{mediaType: mediaYAML, encoder: yamlSerializer, decoder: yamlSerializer, strict: yamlStrict, streamMediaType: mediaJSON}
	codecProtobuf    = &codec{mediaType: mediaProtobuf, encoder: protoSerializer, decoder: protoSerializer, strict: protoSerializer, streamMediaType: mediaProtobuf + ";stream=watch"}
	codecsByMediaTyp = map[string]*codec{mediaJSON: codecJSON, mediaYAML: codecYAML, mediaProtobuf: codecProtobuf}
)

// bodyCodec picks the decoder for a request's Content-Type.
func bodyCodec(contentType string) (*codec, bool) {
	if contentType == "" {
		return codecJSON, true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, false
	}
	c, ok := codecsByMediaTyp[strings.ToLower(mt)]
	return c, ok
}

// paramsGV is the version query parameters (ListOptions, GetOptions,
// DeleteOptions) are decoded in.
var paramsGV = schema.GroupVersion{Version: "v1"}
