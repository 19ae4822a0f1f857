package core

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive"

// validateVolumes checks the pod's volumes and returns the valid ones by
// name, for volumeMounts to reference.
func validateVolumes(volumes []corev1.Volume, podMeta *metav1.ObjectMeta, fldPath *field.Path) (map[string]corev1.VolumeSource, field.ErrorList) {
	var allErrs field.ErrorList
	names := sets.New[string]()
	createdPVCs := sets.New[string]()
	if podMeta != nil && podMeta.Name != "" {
		for _, v := range volumes {
			if v.Ephemeral != nil {
				createdPVCs.Insert(podMeta.Name + "-" + v.Name)
			}
		}
	}
	vols := make(map[string]corev1.VolumeSource, len(volumes))
	for i, v := range volumes {
		p := fldPath.Index(i)
		el := validateVolumeSource(&v.VolumeSource, p, v.Name, podMeta)
		if v.Name == "" {
			el = append(el, field.Required(p.Child("name"), ""))
		} else {
			el = append(el, validateDNS1123Label(v.Name, p.Child("name"))...)
		}
		if names.Has(v.Name) {
			el = append(el, field.Duplicate(p.Child("name"), v.Name))
		}
		if len(el) == 0 {
			names.Insert(v.Name)
			vols[v.Name] = v.VolumeSource
		} else {
			allErrs = append(allErrs, el...)
		}
		if v.PersistentVolumeClaim != nil && createdPVCs.Has(v.PersistentVolumeClaim.ClaimName) {
			allErrs = append(allErrs, field.Invalid(p.Child("persistentVolumeClaim", "claimName"), v.PersistentVolumeClaim.ClaimName,
				"must not reference a PVC that gets created for an ephemeral volume"))
		}
	}
	return vols, allErrs
}

// volumeType is one member of a one-of volume source: whether it is set,
// the name reported when a second type is set, and its own checks.
type volumeType struct {
	set      bool
	name     string
	validate func() field.ErrorList
}

// validateOneOf requires exactly one of types to be set, in upstream order.
func validateOneOf(types []volumeType, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	n := 0
	for _, t := range types {
		if !t.set {
			continue
		}
		if n > 0 {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child(t.name), "may not specify more than 1 volume type"))
			continue
		}
		n++
		if t.validate != nil {
			allErrs = append(allErrs, t.validate()...)
		}
	}
	if n == 0 {
		allErrs = append(allErrs, field.Required(fldPath, "must specify a volume type"))
	}
	return allErrs
}

func required(p *field.Path, empty bool) field.ErrorList {
	if empty {
		return field.ErrorList{field.Required(p, "")}
	}
	return nil
}

func validateVolumeSource(s *corev1.VolumeSource, p *field.Path, volName string, podMeta *metav1.ObjectMeta) field.ErrorList {
	return validateOneOf([]volumeType{
		{s.EmptyDir != nil, "emptyDir", func() field.ErrorList {
			if s.EmptyDir.SizeLimit != nil && s.EmptyDir.SizeLimit.Sign() < 0 {
				return field.ErrorList{field.Forbidden(p.Child("emptyDir", "sizeLimit"), "SizeLimit field must be a valid resource quantity")}
			}
			return nil
		}},
		{s.HostPath != nil, "hostPath", func() field.ErrorList { return validateHostPath(s.HostPath, p.Child("hostPath")) }},
		{s.GitRepo != nil, "gitRepo", func() field.ErrorList {
			gp := p.Child("gitRepo")
			return append(required(gp.Child("repository"), s.GitRepo.Repository == ""), validateLocalDescendingPath(s.GitRepo.Directory, gp.Child("directory"))...)
		}},
		{s.GCEPersistentDisk != nil, "gcePersistentDisk", func() field.ErrorList {
			return validatePD(s.GCEPersistentDisk.PDName == "", "pdName", s.GCEPersistentDisk.Partition, p.Child("persistentDisk"))
		}},
		{s.AWSElasticBlockStore != nil, "awsElasticBlockStore", func() field.ErrorList {
			return validatePD(s.AWSElasticBlockStore.VolumeID == "", "volumeID", s.AWSElasticBlockStore.Partition, p.Child("awsElasticBlockStore"))
		}},
		{s.Secret != nil, "secret", func() field.ErrorList {
			sp := p.Child("secret")
			return append(required(sp.Child("secretName"), s.Secret.SecretName == ""), validateProjection(s.Secret.DefaultMode, s.Secret.Items, sp)...)
		}},
		{s.NFS != nil, "nfs", func() field.ErrorList { return validateNFS(s.NFS, p.Child("nfs")) }},
		{s.ISCSI != nil, "iscsi", func() field.ErrorList {
			ip := p.Child("iscsi")
			allErrs := required(ip.Child("targetPortal"), s.ISCSI.TargetPortal == "")
			allErrs = append(allErrs, required(ip.Child("iqn"), s.ISCSI.IQN == "")...)
			if s.ISCSI.Lun < 0 || s.ISCSI.Lun > 255 {
				allErrs = append(allErrs, field.Invalid(ip.Child("lun"), s.ISCSI.Lun, validation.InclusiveRangeError(0, 255)))
			}
			if (s.ISCSI.DiscoveryCHAPAuth || s.ISCSI.SessionCHAPAuth) && s.ISCSI.SecretRef == nil {
				allErrs = append(allErrs, field.Required(ip.Child("secretRef"), ""))
			}
			return allErrs
		}},
		{s.Glusterfs != nil, "glusterfs", func() field.ErrorList {
			gp := p.Child("glusterfs")
			return append(required(gp.Child("endpoints"), s.Glusterfs.EndpointsName == ""), required(gp.Child("path"), s.Glusterfs.Path == "")...)
		}},
		{s.Flocker != nil, "flocker", func() field.ErrorList {
			return validateFlocker(s.Flocker, p.Child("flocker"))
		}},
		{s.PersistentVolumeClaim != nil, "persistentVolumeClaim", func() field.ErrorList {
			return required(p.Child("persistentVolumeClaim", "claimName"), s.PersistentVolumeClaim.ClaimName == "")
		}},
		{s.RBD != nil, "rbd", func() field.ErrorList {
			rp := p.Child("rbd")
			return append(required(rp.Child("monitors"), len(s.RBD.CephMonitors) == 0), required(rp.Child("image"), s.RBD.RBDImage == "")...)
		}},
		{s.Cinder != nil, "cinder", func() field.ErrorList {
			cp := p.Child("cinder")
			allErrs := required(cp.Child("volumeID"), s.Cinder.VolumeID == "")
			if s.Cinder.SecretRef != nil {
				allErrs = append(allErrs, required(cp.Child("secretRef", "name"), s.Cinder.SecretRef.Name == "")...)
			}
			return allErrs
		}},
		{s.CephFS != nil, "cephFS", func() field.ErrorList {
			return required(p.Child("cephfs", "monitors"), len(s.CephFS.Monitors) == 0)
		}},
		{s.Quobyte != nil, "quobyte", func() field.ErrorList { return validateQuobyte(s.Quobyte, p.Child("quobyte")) }},
		{s.DownwardAPI != nil, "downwarAPI", func() field.ErrorList {
			dp := p.Child("downwardAPI")
			allErrs := validateFileMode(s.DownwardAPI.DefaultMode, dp.Child("defaultMode"))
			for _, f := range s.DownwardAPI.Items {
				allErrs = append(allErrs, validateDownwardAPIFile(&f, dp)...)
			}
			return allErrs
		}},
		{s.FC != nil, "fc", func() field.ErrorList { return validateFC(s.FC, p.Child("fc")) }},
		{s.FlexVolume != nil, "flexVolume", func() field.ErrorList {
			return validateFlexOptions(s.FlexVolume.Driver, s.FlexVolume.Options, p.Child("flexVolume"))
		}},
		{s.ConfigMap != nil, "configMap", func() field.ErrorList {
			cp := p.Child("configMap")
			return append(required(cp.Child("name"), s.ConfigMap.Name == ""), validateProjection(s.ConfigMap.DefaultMode, s.ConfigMap.Items, cp)...)
		}},
		{s.AzureFile != nil, "azureFile", func() field.ErrorList {
			ap := p.Child("azureFile")
			return append(required(ap.Child("secretName"), s.AzureFile.SecretName == ""), required(ap.Child("shareName"), s.AzureFile.ShareName == "")...)
		}},
		{s.VsphereVolume != nil, "vsphereVolume", func() field.ErrorList {
			return required(p.Child("vsphereVolume", "volumePath"), s.VsphereVolume.VolumePath == "")
		}},
		{s.PhotonPersistentDisk != nil, "photonPersistentDisk", func() field.ErrorList {
			return required(p.Child("photonPersistentDisk", "pdID"), s.PhotonPersistentDisk.PdID == "")
		}},
		{s.PortworxVolume != nil, "portworxVolume", func() field.ErrorList {
			return required(p.Child("portworxVolume", "volumeID"), s.PortworxVolume.VolumeID == "")
		}},
		{s.AzureDisk != nil, "azureDisk", func() field.ErrorList { return validateAzureDisk(s.AzureDisk, p.Child("azureDisk")) }},
		{s.StorageOS != nil, "storageos", func() field.ErrorList {
			sp := p.Child("storageos")
			allErrs := validateStorageOSNames(s.StorageOS.VolumeName, s.StorageOS.VolumeNamespace, sp)
			if s.StorageOS.SecretRef != nil {
				allErrs = append(allErrs, required(sp.Child("secretRef", "name"), s.StorageOS.SecretRef.Name == "")...)
			}
			return allErrs
		}},
		{s.Projected != nil, "projected", func() field.ErrorList { return validateProjected(s.Projected, p.Child("projected")) }},
		{s.ScaleIO != nil, "scaleIO", func() field.ErrorList {
			sp := p.Child("scaleIO")
			allErrs := required(sp.Child("gateway"), s.ScaleIO.Gateway == "")
			allErrs = append(allErrs, required(sp.Child("system"), s.ScaleIO.System == "")...)
			return append(allErrs, required(sp.Child("volumeName"), s.ScaleIO.VolumeName == "")...)
		}},
		{s.CSI != nil, "csi", func() field.ErrorList {
			cp := p.Child("csi")
			allErrs := validateCSIDriverName(s.CSI.Driver, cp.Child("driver"))
			if ref := s.CSI.NodePublishSecretRef; ref != nil {
				if ref.Name == "" {
					allErrs = append(allErrs, field.Required(cp.Child("nodePublishSecretRef", "name"), ""))
				} else {
					allErrs = append(allErrs, validateName(apivalidation.NameIsDNSSubdomain, ref.Name, cp.Child("name"))...)
				}
			}
			return allErrs
		}},
		{s.Ephemeral != nil, "ephemeral", func() field.ErrorList {
			ep := p.Child("ephemeral")
			if s.Ephemeral.VolumeClaimTemplate == nil {
				return field.ErrorList{field.Required(ep.Child("volumeClaimTemplate"), "")}
			}
			allErrs := validateTemplateObjectMeta(&s.Ephemeral.VolumeClaimTemplate.ObjectMeta, ep.Child("volumeClaimTemplate", "metadata"))
			allErrs = append(allErrs, validatePersistentVolumeClaimSpec(&s.Ephemeral.VolumeClaimTemplate.Spec, ep.Child("volumeClaimTemplate", "spec"))...)
			if podMeta != nil && podMeta.Name != "" && volName != "" {
				pvcName := podMeta.Name + "-" + volName
				for _, msg := range apivalidation.NameIsDNSSubdomain(pvcName, false) {
					allErrs = append(allErrs, field.Invalid(p.Child("name"), volName, fmt.Sprintf("PVC name %q: %v", pvcName, msg)))
				}
			}
			return allErrs
		}},
		{s.Image != nil, "image", func() field.ErrorList {
			ip := p.Child("image")
			allErrs := required(ip.Child("reference"), s.Image.Reference == "")
			return append(allErrs, validatePullPolicy(s.Image.PullPolicy, ip.Child("pullPolicy"))...)
		}},
	}, p)
}

// validateTemplateObjectMeta allows only labels and annotations.
func validateTemplateObjectMeta(m *metav1.ObjectMeta, p *field.Path) field.ErrorList {
	allErrs := apivalidation.ValidateAnnotations(m.Annotations, p.Child("annotations"))
	allErrs = append(allErrs, metav1validation.ValidateLabels(m.Labels, p.Child("labels"))...)
	rest := m.DeepCopy()
	rest.Labels, rest.Annotations = nil, nil
	forbidden := []struct {
		name string
		set  bool
	}{
		{"name", rest.Name != ""}, {"generateName", rest.GenerateName != ""}, {"namespace", rest.Namespace != ""},
		{"selfLink", rest.SelfLink != ""}, {"uid", rest.UID != ""}, {"resourceVersion", rest.ResourceVersion != ""},
		{"generation", rest.Generation != 0}, {"creationTimestamp", !rest.CreationTimestamp.IsZero()},
		{"deletionTimestamp", rest.DeletionTimestamp != nil}, {"deletionGracePeriodSeconds", rest.DeletionGracePeriodSeconds != nil},
		{"ownerReferences", rest.OwnerReferences != nil}, {"finalizers", rest.Finalizers != nil}, {"managedFields", rest.ManagedFields != nil},
	}
	for _, f := range forbidden {
		if f.set {
			allErrs = append(allErrs, field.Forbidden(p.Child(f.name), "cannot be set"))
		}
	}
	return allErrs
}

var supportedHostPathTypes = sets.New(corev1.HostPathUnset, corev1.HostPathDirectoryOrCreate, corev1.HostPathDirectory,
	corev1.HostPathFileOrCreate, corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev)

func validateHostPath(hp *corev1.HostPathVolumeSource, p *field.Path) field.ErrorList {
	if hp.Path == "" {
		return field.ErrorList{field.Required(p.Child("path"), "")}
	}
	allErrs := validatePathNoBacksteps(hp.Path, p.Child("path"))
	if hp.Type != nil && !supportedHostPathTypes.Has(*hp.Type) {
		allErrs = append(allErrs, field.NotSupported(p.Child("type"), hp.Type, sets.List(supportedHostPathTypes)))
	}
	return allErrs
}

func validatePD(missing bool, idField string, partition int32, p *field.Path) field.ErrorList {
	allErrs := required(p.Child(idField), missing)
	if partition < 0 || partition > 255 {
		allErrs = append(allErrs, field.Invalid(p.Child("partition"), partition, validation.InclusiveRangeError(1, 255)))
	}
	return allErrs
}

func validateNFS(nfs *corev1.NFSVolumeSource, p *field.Path) field.ErrorList {
	allErrs := required(p.Child("server"), nfs.Server == "")
	allErrs = append(allErrs, required(p.Child("path"), nfs.Path == "")...)
	if !path.IsAbs(nfs.Path) {
		allErrs = append(allErrs, field.Invalid(p.Child("path"), nfs.Path, "must be an absolute path"))
	}
	return allErrs
}

func validateFlocker(f *corev1.FlockerVolumeSource, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if f.DatasetName == "" && f.DatasetUUID == "" {
		allErrs = append(allErrs, field.Required(p, "one of datasetName and datasetUUID is required"))
	}
	if f.DatasetName != "" && f.DatasetUUID != "" {
		allErrs = append(allErrs, field.Invalid(p, "resource", "datasetName and datasetUUID can not be specified simultaneously"))
	}
	if strings.Contains(f.DatasetName, "/") {
		allErrs = append(allErrs, field.Invalid(p.Child("datasetName"), f.DatasetName, "must not contain '/'"))
	}
	return allErrs
}

func validateQuobyte(q *corev1.QuobyteVolumeSource, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	const msg = "must be a host:port pair or multiple pairs separated by commas"
	switch {
	case q.Registry == "":
		allErrs = append(allErrs, field.Required(p.Child("registry"), msg))
	case len(q.Tenant) >= 65:
		allErrs = append(allErrs, field.Required(p.Child("tenant"), "must be a UUID and may not exceed a length of 64 characters"))
	default:
		for _, hp := range strings.Split(q.Registry, ",") {
			if _, _, ok := strings.Cut(hp, ":"); !ok {
				allErrs = append(allErrs, field.Invalid(p.Child("registry"), q.Registry, msg))
			}
		}
	}
	return append(allErrs, required(p.Child("volume"), q.Volume == "")...)
}

func validateFC(fc *corev1.FCVolumeSource, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(fc.TargetWWNs) < 1 && len(fc.WWIDs) < 1 {
		allErrs = append(allErrs, field.Required(p.Child("targetWWNs"), "must specify either targetWWNs or wwids, but not both"))
	}
	if len(fc.TargetWWNs) != 0 && len(fc.WWIDs) != 0 {
		allErrs = append(allErrs, field.Invalid(p.Child("targetWWNs"), fc.TargetWWNs, "targetWWNs and wwids can not be specified simultaneously"))
	}
	if len(fc.TargetWWNs) != 0 {
		if fc.Lun == nil {
			allErrs = append(allErrs, field.Required(p.Child("lun"), "lun is required if targetWWNs is specified"))
		} else if *fc.Lun < 0 || *fc.Lun > 255 {
			allErrs = append(allErrs, field.Invalid(p.Child("lun"), fc.Lun, validation.InclusiveRangeError(0, 255)))
		}
	}
	return allErrs
}

func validateFlexOptions(driver string, options map[string]string, p *field.Path) field.ErrorList {
	allErrs := required(p.Child("driver"), driver == "")
	for k := range options {
		ns := k
		if parts := strings.SplitN(k, "/", 2); len(parts) == 2 {
			ns = parts[0]
		}
		n := "." + strings.ToLower(ns)
		if strings.HasSuffix(n, ".kubernetes.io") || strings.HasSuffix(n, ".k8s.io") {
			allErrs = append(allErrs, field.Invalid(p.Child("options").Key(k), k, "kubernetes.io and k8s.io namespaces are reserved"))
		}
	}
	return allErrs
}

func validateAzureDisk(a *corev1.AzureDiskVolumeSource, p *field.Path) field.ErrorList {
	caching := sets.New(corev1.AzureDataDiskCachingNone, corev1.AzureDataDiskCachingReadOnly, corev1.AzureDataDiskCachingReadWrite)
	kinds := sets.New(corev1.AzureSharedBlobDisk, corev1.AzureDedicatedBlobDisk, corev1.AzureManagedDisk)
	allErrs := required(p.Child("diskName"), a.DiskName == "")
	allErrs = append(allErrs, required(p.Child("diskURI"), a.DataDiskURI == "")...)
	if a.CachingMode != nil && !caching.Has(*a.CachingMode) {
		allErrs = append(allErrs, field.NotSupported(p.Child("cachingMode"), *a.CachingMode, sets.List(caching)))
	}
	if a.Kind != nil && !kinds.Has(*a.Kind) {
		allErrs = append(allErrs, field.NotSupported(p.Child("kind"), *a.Kind, sets.List(kinds)))
	}
	if a.Kind != nil && *a.Kind == corev1.AzureManagedDisk && !strings.HasPrefix(a.DataDiskURI, "/subscriptions/") {
		allErrs = append(allErrs, field.NotSupported(p.Child("diskURI"), a.DataDiskURI, []string{"/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"}))
	}
	if a.Kind != nil && *a.Kind != corev1.AzureManagedDisk && !strings.HasPrefix(a.DataDiskURI, "https://") {
		allErrs = append(allErrs, field.NotSupported(p.Child("diskURI"), a.DataDiskURI, []string{"https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"}))
	}
	return allErrs
}

func validateStorageOSNames(volName, volNamespace string, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if volName == "" {
		allErrs = append(allErrs, field.Required(p.Child("volumeName"), ""))
	} else {
		allErrs = append(allErrs, validateDNS1123Label(volName, p.Child("volumeName"))...)
	}
	if volNamespace != "" {
		allErrs = append(allErrs, validateDNS1123Label(volNamespace, p.Child("volumeNamespace"))...)
	}
	return allErrs
}

func validateCSIDriverName(driver string, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if driver == "" {
		allErrs = append(allErrs, field.Required(p, ""))
	}
	if len(driver) > 63 {
		allErrs = append(allErrs, field.TooLong(p, "", 63))
	}
	for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(driver)) {
		allErrs = append(allErrs, field.Invalid(p, driver, msg))
	}
	return allErrs
}

func validateFileMode(mode *int32, p *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0777 || *mode < 0) {
		return field.ErrorList{field.Invalid(p, *mode, fileModeErrorMsg)}
	}
	return nil
}

// validateProjection checks a secret or configMap volume's mode and items.
func validateProjection(defaultMode *int32, items []corev1.KeyToPath, p *field.Path) field.ErrorList {
	allErrs := validateFileMode(defaultMode, p.Child("defaultMode"))
	for i := range items {
		allErrs = append(allErrs, validateKeyToPath(&items[i], p.Child("items").Index(i))...)
	}
	return allErrs
}

func validateKeyToPath(kp *corev1.KeyToPath, p *field.Path) field.ErrorList {
	allErrs := required(p.Child("key"), kp.Key == "")
	allErrs = append(allErrs, required(p.Child("path"), kp.Path == "")...)
	allErrs = append(allErrs, validateLocalNonReservedPath(kp.Path, p.Child("path"))...)
	return append(allErrs, validateFileMode(kp.Mode, p.Child("mode"))...)
}

func validateDownwardAPIFile(f *corev1.DownwardAPIVolumeFile, p *field.Path) field.ErrorList {
	allErrs := required(p.Child("path"), f.Path == "")
	allErrs = append(allErrs, validateLocalNonReservedPath(f.Path, p.Child("path"))...)
	switch {
	case f.FieldRef != nil:
		allErrs = append(allErrs, validateObjectFieldSelector(f.FieldRef, validVolumeFieldPaths, p.Child("fieldRef"))...)
		if f.ResourceFieldRef != nil {
			allErrs = append(allErrs, field.Invalid(p, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		}
	case f.ResourceFieldRef != nil:
		allErrs = append(allErrs, validateResourceFieldSelector(f.ResourceFieldRef, true, p.Child("resourceFieldRef"))...)
	default:
		allErrs = append(allErrs, field.Required(p, "one of fieldRef and resourceFieldRef is required"))
	}
	return append(allErrs, validateFileMode(f.Mode, p.Child("mode"))...)
}

func validateProjected(pv *corev1.ProjectedVolumeSource, p *field.Path) field.ErrorList {
	allErrs := validateFileMode(pv.DefaultMode, p.Child("defaultMode"))
	paths := sets.New[string]()
	addPath := func(cur string, bad any) {
		if cur == "" {
			return
		}
		if paths.Has(cur) {
			allErrs = append(allErrs, field.Invalid(p, bad, "conflicting duplicate paths"))
		}
		paths.Insert(cur)
	}
	for i, src := range pv.Sources {
		n := 0
		sp := p.Child("sources").Index(i)
		if src.Secret != nil {
			n++
			pp := sp.Child("secret")
			allErrs = append(allErrs, required(pp.Child("name"), src.Secret.Name == "")...)
			for j := range src.Secret.Items {
				allErrs = append(allErrs, validateKeyToPath(&src.Secret.Items[j], pp.Child("items").Index(j))...)
				addPath(src.Secret.Items[j].Path, src.Secret.Name)
			}
		}
		if src.ConfigMap != nil {
			n++
			pp := sp.Child("configMap")
			allErrs = append(allErrs, required(pp.Child("name"), src.ConfigMap.Name == "")...)
			for j := range src.ConfigMap.Items {
				allErrs = append(allErrs, validateKeyToPath(&src.ConfigMap.Items[j], pp.Child("items").Index(j))...)
				addPath(src.ConfigMap.Items[j].Path, src.ConfigMap.Name)
			}
		}
		if src.DownwardAPI != nil {
			n++
			for j := range src.DownwardAPI.Items {
				f := &src.DownwardAPI.Items[j]
				allErrs = append(allErrs, validateDownwardAPIFile(f, sp.Child("downwardAPI"))...)
				addPath(f.Path, f.Path)
			}
		}
		if t := src.ServiceAccountToken; t != nil {
			n++
			tp := sp.Child("serviceAccountToken")
			if t.ExpirationSeconds != nil && *t.ExpirationSeconds < 10*60 {
				allErrs = append(allErrs, field.Invalid(tp.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
			}
			if t.ExpirationSeconds != nil && *t.ExpirationSeconds > 1<<32 {
				allErrs = append(allErrs, field.Invalid(tp.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"))
			}
			if t.Path == "" {
				allErrs = append(allErrs, field.Required(p.Child("path"), ""))
			} else {
				allErrs = append(allErrs, validateLocalNonReservedPath(t.Path, p.Child("path"))...)
			}
		}
		if b := src.ClusterTrustBundle; b != nil {
			n++
			bp := sp.Child("clusterTrustBundle")
			switch {
			case b.Name != nil && b.SignerName != nil:
				allErrs = append(allErrs, field.Invalid(bp, b, "only one of name and signerName may be used"))
			case b.Name != nil:
				if *b.Name == "" {
					allErrs = append(allErrs, field.Required(bp.Child("name"), "must be a valid object name"))
				}
				if b.LabelSelector != nil {
					allErrs = append(allErrs, field.Invalid(bp.Child("labelSelector"), b.LabelSelector, "labelSelector must be unset if name is specified"))
				}
			case b.SignerName != nil:
				if *b.SignerName == "" {
					allErrs = append(allErrs, field.Required(bp.Child("signerName"), "must be a valid signer name"))
				}
				allErrs = append(allErrs, metav1validation.ValidateLabelSelector(b.LabelSelector, metav1validation.LabelSelectorValidationOptions{}, bp.Child("labelSelector"))...)
			default:
				allErrs = append(allErrs, field.Required(bp, "either name or signerName must be specified"))
			}
			allErrs = append(allErrs, required(bp.Child("path"), b.Path == "")...)
			allErrs = append(allErrs, validateLocalNonReservedPath(b.Path, bp.Child("path"))...)
			addPath(b.Path, b.Path)
		}
		if src.PodCertificate != nil {
			n++
		}
		if n > 1 {
			allErrs = append(allErrs, field.Forbidden(sp, "may not specify more than 1 volume type per source"))
		}
	}
	return allErrs
}
