package pki

import (
	"cmp"
	"errors"
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Default names in a generated kubeconfig.
const (
	DefaultKubeconfigCluster = "berth"
	DefaultKubeconfigUser    = "berth-admin"
	DefaultKubeconfigContext = "berth"
)

// KubeconfigSpec describes a single-cluster, single-user kubeconfig.
type KubeconfigSpec struct {
	// Server is the API server URL, e.g. https://127.0.0.1:6443.
	Server string
	// CAPEM is the CA bundle that verifies the server's certificate.
	CAPEM []byte
	// CertPEM and KeyPEM are the client certificate and key, if the user
	// authenticates with a certificate.
	CertPEM, KeyPEM []byte
	// Token is a bearer token, if the user authenticates with one.
	Token string
	// ClusterName, UserName and ContextName name the entries; defaults are
	// "berth", "berth-admin" and "berth".
	ClusterName, UserName, ContextName string
}

// Kubeconfig builds the kubeconfig described by spec, with every credential
// embedded as data, and makes its context current.
func Kubeconfig(spec KubeconfigSpec) (*clientcmdapi.Config, error) {
	if spec.Server == "" {
		return nil, errors.New("build kubeconfig: server is required")
	}
	if (len(spec.CertPEM) == 0) != (len(spec.KeyPEM) == 0) {
		return nil, errors.New("build kubeconfig: client certificate and key must be given together")
	}
	cluster := cmp.Or(spec.ClusterName, DefaultKubeconfigCluster)
	user := cmp.Or(spec.UserName, DefaultKubeconfigUser)
	context := cmp.Or(spec.ContextName, DefaultKubeconfigContext)

	cfg := clientcmdapi.NewConfig()
	c := clientcmdapi.NewCluster()
	c.Server = spec.Server
	c.CertificateAuthorityData = spec.CAPEM
	cfg.Clusters[cluster] = c

	a := clientcmdapi.NewAuthInfo()
	a.ClientCertificateData = spec.CertPEM
	a.ClientKeyData = spec.KeyPEM
	a.Token = spec.Token
	cfg.AuthInfos[user] = a

	ctx := clientcmdapi.NewContext()
	ctx.Cluster = cluster
	ctx.AuthInfo = user
	cfg.Contexts[context] = ctx
	cfg.CurrentContext = context
	return cfg, nil
}

// WriteKubeconfig writes the kubeconfig described by spec to path with mode
// 0600, atomically, replacing any file already there.
func WriteKubeconfig(path string, spec KubeconfigSpec) error {
	cfg, err := Kubeconfig(spec)
	if err != nil {
		return err
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("encode kubeconfig: %w", err)
	}
	if err := writeFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
