package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// PEM block types used by this package.
const (
	pemTypeCertificate   = "CERTIFICATE"
	pemTypePrivateKey    = "PRIVATE KEY"
	pemTypeECPrivateKey  = "EC PRIVATE KEY"
	pemTypeRSAPrivateKey = "RSA PRIVATE KEY"
	pemTypePublicKey     = "PUBLIC KEY"
	pemTypeCSR           = "CERTIFICATE REQUEST"
)

// NewKey returns a fresh ECDSA P-256 private key.
func NewKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ecdsa p-256 key: %w", err)
	}
	return k, nil
}

// EncodeKeyPEM encodes a private key as a PKCS #8 "PRIVATE KEY" PEM block.
func EncodeKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePrivateKey, Bytes: der}), nil
}

// EncodePublicKeyPEM encodes a public key as a PKIX "PUBLIC KEY" PEM block.
func EncodePublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePublicKey, Bytes: der}), nil
}

// ParseKeyPEM parses the first private key in data. PKCS #8, SEC 1 ("EC
// PRIVATE KEY") and PKCS #1 ("RSA PRIVATE KEY") encodings are accepted.
func ParseKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("parse private key: no private key PEM block found")
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case pemTypePrivateKey:
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case pemTypeECPrivateKey:
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case pemTypeRSAPrivateKey:
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			continue // e.g. "EC PARAMETERS" emitted by openssl ahead of the key
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("parse private key: unsupported key type %T", key)
		}
		switch signer.(type) {
		case *ecdsa.PrivateKey, *rsa.PrivateKey:
			return signer, nil
		default:
			return nil, fmt.Errorf("parse private key: unsupported key type %T", key)
		}
	}
}

// ParsePublicKeyPEM parses the first PKIX "PUBLIC KEY" block in data.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("parse public key: no PUBLIC KEY PEM block found")
		}
		if block.Type != pemTypePublicKey {
			continue
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		return pub, nil
	}
}

// ParseCertsPEM parses every CERTIFICATE block in data, in order. It fails if
// there is none.
func ParseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != pemTypeCertificate {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("parse certificate: no CERTIFICATE PEM block found")
	}
	return certs, nil
}

func encodeCertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemTypeCertificate, Bytes: der})
}

// keyUsageFor returns the key usage bits a leaf certificate for pub needs:
// RSA keys also encipher keys in TLS 1.2 RSA key exchange.
func keyUsageFor(pub crypto.PublicKey) x509.KeyUsage {
	if _, ok := pub.(*rsa.PublicKey); ok {
		return x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	return x509.KeyUsageDigitalSignature
}
