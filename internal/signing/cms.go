package signing

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/smallstep/pkcs7"
)

// Object identifiers of the CMS structures and algorithms the signers emit.
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47} // RFC 5035
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidStreebog256          = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	oidGOST3410_2012_256Key = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
)

// The structures below follow RFC 5652 (CMS) and RFC 5035 (ESS). Only what a signer emits is
// modelled; parsing is left to smallstep/pkcs7.

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue // [0] EXPLICIT, built by hand: encoding/asn1 ignores tags on RawValue
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue // [0] IMPLICIT SET OF Certificate
	SignerInfos      []signerInfo  `asn1:"set"`
}

// encapContentInfo has no eContent: the signature is detached from the document.
type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue // [0] IMPLICIT SET OF Attribute
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

type signingCertificateV2 struct {
	Certs []essCertIDv2
}

type essCertIDv2 struct {
	// HashAlgorithm is DEFAULT sha256, so DER requires omitting it for SHA-256; the zero value
	// of an optional field is omitted by encoding/asn1.
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  essIssuerSerial
}

type essIssuerSerial struct {
	Issuer asn1.RawValue // GeneralNames holding one directoryName
	Serial *big.Int
}

// cmsTemplate holds everything of a SignedData that depends only on the signer, computed
// once so that Sign only encodes the per-document attributes and the signature.
type cmsTemplate struct {
	digestAlg pkix.AlgorithmIdentifier
	sigAlg    pkix.AlgorithmIdentifier
	sid       issuerAndSerial
	certs     asn1.RawValue
	essAttr   []byte // the encoded signing-certificate-v2 attribute
}

// newCMSTemplate prepares a template for signer, whose issuer chain is chain. certHash is the
// digest of signer.Raw under essHashAlg (nil meaning SHA-256, the ESS default).
func newCMSTemplate(signer *x509.Certificate, chain []*x509.Certificate, digestAlg, sigAlg pkix.AlgorithmIdentifier,
	essHashAlg *pkix.AlgorithmIdentifier, certHash []byte) (*cmsTemplate, error) {
	dirName, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: signer.RawIssuer})
	if err != nil {
		return nil, fmt.Errorf("encode issuer name: %w", err)
	}
	id := essCertIDv2{
		CertHash: certHash,
		IssuerSerial: essIssuerSerial{
			Issuer: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: dirName},
			Serial: signer.SerialNumber,
		},
	}
	if essHashAlg != nil {
		id.HashAlgorithm = *essHashAlg
	}
	essAttr, err := encodeAttribute(oidAttrSigningCertV2, signingCertificateV2{Certs: []essCertIDv2{id}})
	if err != nil {
		return nil, fmt.Errorf("encode signing-certificate-v2: %w", err)
	}

	// DER orders a SET OF by encoding; OpenSSL does the same, so our output matches its own.
	raws := [][]byte{signer.Raw}
	for _, c := range chain {
		raws = append(raws, c.Raw)
	}
	slices.SortFunc(raws, bytes.Compare)
	return &cmsTemplate{
		digestAlg: digestAlg,
		sigAlg:    sigAlg,
		sid:       issuerAndSerial{Issuer: asn1.RawValue{FullBytes: signer.RawIssuer}, Serial: signer.SerialNumber},
		certs:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: bytes.Join(raws, nil)},
		essAttr:   essAttr,
	}, nil
}

// signedAttrs encodes the CAdES-BES signed attributes for a document with digest docDigest,
// signed at t. toSign is the DER SET OF that the signature covers (RFC 5652 §5.4); field is
// the same content under the [0] IMPLICIT tag it has inside SignerInfo.
func (c *cmsTemplate) signedAttrs(docDigest []byte, t time.Time) (toSign []byte, field asn1.RawValue, err error) {
	contentType, err := encodeAttribute(oidAttrContentType, oidData)
	if err != nil {
		return nil, field, fmt.Errorf("encode content-type: %w", err)
	}
	digest, err := encodeAttribute(oidAttrMessageDigest, docDigest)
	if err != nil {
		return nil, field, fmt.Errorf("encode message-digest: %w", err)
	}
	// encoding/asn1 writes UTCTime for 1950-2049 and GeneralizedTime otherwise, as RFC 5652
	// §11.3 requires.
	signingTime, err := encodeAttribute(oidAttrSigningTime, t.UTC())
	if err != nil {
		return nil, field, fmt.Errorf("encode signing-time: %w", err)
	}
	attrs := [][]byte{contentType, digest, signingTime, c.essAttr}
	slices.SortFunc(attrs, bytes.Compare) // DER SET OF order
	body := bytes.Join(attrs, nil)
	toSign, err = asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: body})
	if err != nil {
		return nil, field, fmt.Errorf("encode signed attributes: %w", err)
	}
	return toSign, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: body}, nil
}

// assemble wraps the signed attributes and their signature into a ContentInfo.
func (c *cmsTemplate) assemble(attrs asn1.RawValue, signature []byte) ([]byte, error) {
	sd := signedData{
		Version:          1, // RFC 5652 §5.1: no attribute certificates, id-data, issuerAndSerialNumber
		DigestAlgorithms: []pkix.AlgorithmIdentifier{c.digestAlg},
		EncapContentInfo: encapContentInfo{EContentType: oidData},
		Certificates:     c.certs,
		SignerInfos: []signerInfo{{
			Version:            1,
			SID:                c.sid,
			DigestAlgorithm:    c.digestAlg,
			SignedAttrs:        attrs,
			SignatureAlgorithm: c.sigAlg,
			Signature:          signature,
		}},
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("encode SignedData: %w", err)
	}
	der, err := asn1.Marshal(contentInfo{
		ContentType: oidSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner},
	})
	if err != nil {
		return nil, fmt.Errorf("encode ContentInfo: %w", err)
	}
	return der, nil
}

func encodeAttribute(oid asn1.ObjectIdentifier, value any) ([]byte, error) {
	v, err := asn1.Marshal(value)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(attribute{Type: oid, Values: []asn1.RawValue{{FullBytes: v}}})
}

// checkDetachedSignedData parses der and checks it is a CMS SignedData without encapsulated
// content and with at least one signer: the shape every Signer must return. It checks
// structure only, since a remote service may use algorithms Go cannot verify.
func checkDetachedSignedData(der []byte) (*pkcs7.PKCS7, error) {
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("not a CMS SignedData: %w", err)
	}
	if len(p7.Content) != 0 {
		return nil, errors.New("CMS SignedData is not detached: it encapsulates content")
	}
	if len(p7.Signers) == 0 {
		return nil, errors.New("CMS SignedData has no signer")
	}
	return p7, nil
}

// signedByOneOf reports whether every signer of p7 names (by issuer and serial number) one of
// certs.
func signedByOneOf(p7 *pkcs7.PKCS7, certs []*x509.Certificate) bool {
	for _, si := range p7.Signers {
		if !slices.ContainsFunc(certs, func(c *x509.Certificate) bool {
			return bytes.Equal(si.IssuerAndSerialNumber.IssuerName.FullBytes, c.RawIssuer) &&
				si.IssuerAndSerialNumber.SerialNumber.Cmp(c.SerialNumber) == 0
		}) {
			return false
		}
	}
	return true
}
