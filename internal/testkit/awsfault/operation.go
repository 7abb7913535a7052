package awsfault

import (
	"net/http"
	"strings"
)

// Operation names the AWS operation of r: the X-Amz-Target header as it is for the JSON
// protocols ("secretsmanager.GetSecretValue", "AmazonSSM.PutParameter"), or "s3." and the S3
// operation for path-style S3 REST requests ("s3.UploadPart"). The S3 operations recognised
// are those of buckets, objects and multipart uploads; anything else is "s3.Unknown".
func Operation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t
	}
	return "s3." + s3Operation(r)
}

func s3Operation(r *http.Request) string {
	q := r.URL.Query()
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch {
	case bucket == "":
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
	case key == "":
		return s3BucketOperation(r.Method, has)
	}
	switch r.Method {
	case http.MethodPut:
		switch {
		case has("partNumber") && has("uploadId"):
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return "UploadPartCopy"
			}
			return "UploadPart"
		case r.Header.Get("X-Amz-Copy-Source") != "":
			return "CopyObject"
		case has("tagging"):
			return "PutObjectTagging"
		default:
			return "PutObject"
		}
	case http.MethodPost:
		switch {
		case has("uploads"):
			return "CreateMultipartUpload"
		case has("uploadId"):
			return "CompleteMultipartUpload"
		}
	case http.MethodDelete:
		if has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	case http.MethodGet:
		if has("uploadId") {
			return "ListParts"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	}
	return "Unknown"
}

func s3BucketOperation(method string, has func(string) bool) string {
	switch method {
	case http.MethodPut:
		switch {
		case has("policy"):
			return "PutBucketPolicy"
		case has("versioning"):
			return "PutBucketVersioning"
		default:
			return "CreateBucket"
		}
	case http.MethodGet:
		switch {
		case has("uploads"):
			return "ListMultipartUploads"
		case has("versions"):
			return "ListObjectVersions"
		case has("list-type"):
			return "ListObjectsV2"
		case has("location"):
			return "GetBucketLocation"
		default:
			return "ListObjects"
		}
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	case http.MethodPost:
		if has("delete") {
			return "DeleteObjects"
		}
	}
	return "Unknown"
}
