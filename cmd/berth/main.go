package main
import (
 _ "k8s.io/api/core/v1"
 _ "k8s.io/apimachinery/pkg/runtime"
 _ "k8s.io/client-go/kubernetes"
 _ "k8s.io/kubectl/pkg/cmd"
 _ "go.etcd.io/etcd/server/v3/embed"
 _ "go.etcd.io/etcd/client/v3"
 _ "sigs.k8s.io/structured-merge-diff/v6/typed"
 _ "github.com/spf13/cobra"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "k8s.io/kube-openapi/pkg/validation/spec"
)
func main(){}
