package core

import (
	"fmt"
	"path"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	supportedAccessModes = sets.New(corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod)
	supportedReclaim     = sets.New(corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain)
	supportedVolumeModes = sets.New(corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem)
)

// DefaultPersistentVolume applies upstream's PersistentVolume defaults.
func DefaultPersistentVolume(pv *corev1.PersistentVolume) {
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
	}
	defaultResourceList(pv.Spec.Capacity)
	s := &pv.Spec.PersistentVolumeSource
	if s.HostPath != nil && s.HostPath.Type == nil {
		s.HostPath.Type = ptrTo(corev1.HostPathUnset)
	}
	if s.ISCSI != nil && s.ISCSI.ISCSIInterface == "" {
		s.ISCSI.ISCSIInterface = "default"
	}
	if s.RBD != nil {
		defaultRBD(&s.RBD.RBDPool, &s.RBD.RadosUser, &s.RBD.Keyring)
	}
	if s.AzureDisk != nil {
		defaultAzureDisk(s.AzureDisk)
	}
	if s.ScaleIO != nil {
		defaultScaleIO(&s.ScaleIO.StorageMode, &s.ScaleIO.FSType)
	}
}

// DefaultPersistentVolumeClaim applies upstream's PVC defaults.
func DefaultPersistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	defaultPersistentVolumeClaimSpec(&pvc.Spec)
	defaultResourceList(pvc.Status.Capacity)
	defaultResourceList(pvc.Status.AllocatedResources)
}

func defaultPersistentVolumeClaimSpec(spec *corev1.PersistentVolumeClaimSpec) {
	if spec.VolumeMode == nil {
		spec.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
	}
	defaultResourceList(spec.Resources.Limits)
	defaultResourceList(spec.Resources.Requests)
}

func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	rwop, other := false, false
	for _, m := range modes {
		if !supportedAccessModes.Has(m) {
			allErrs = append(allErrs, field.NotSupported(p, m, sets.List(supportedAccessModes)))
		}
		if m == corev1.ReadWriteOncePod {
			rwop = true
		} else if supportedAccessModes.Has(m) {
			other = true
		}
	}
	if rwop && other {
		allErrs = append(allErrs, field.Forbidden(p, "may not use ReadWriteOncePod with other access modes"))
	}
	return allErrs
}

// ValidatePersistentVolume validates a PersistentVolume on create.
func ValidatePersistentVolume(pv *corev1.PersistentVolume) field.ErrorList {
	allErrs := validateObjectMeta(&pv.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	spec := &pv.Spec
	if len(spec.AccessModes) == 0 {
		allErrs = append(allErrs, field.Required(specPath.Child("accessModes"), ""))
	}
	allErrs = append(allErrs, validateAccessModes(spec.AccessModes, specPath.Child("accessModes"))...)
	capPath := specPath.Child("capacity")
	if len(spec.Capacity) == 0 {
		allErrs = append(allErrs, field.Required(capPath, ""))
	}
	if _, ok := spec.Capacity[corev1.ResourceStorage]; !ok || len(spec.Capacity) > 1 {
		allErrs = append(allErrs, field.NotSupported(capPath, spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for r, q := range spec.Capacity {
		allErrs = append(allErrs, validateBasicResource(q, capPath.Key(string(r)))...)
		allErrs = append(allErrs, validatePositiveQuantity(q, capPath.Key(string(r)))...)
	}
	if rp := spec.PersistentVolumeReclaimPolicy; rp != "" && !supportedReclaim.Has(rp) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("persistentVolumeReclaimPolicy"), rp, sets.List(supportedReclaim)))
	}
	nodeAffinitySet := false
	if na := spec.NodeAffinity; na != nil {
		nodeAffinitySet = true
		if na.Required != nil {
			allErrs = append(allErrs, validateNodeSelector(na.Required, false, specPath.Child("nodeAffinity", "required"))...)
		} else {
			allErrs = append(allErrs, field.Required(specPath.Child("nodeAffinity", "required"), "must specify required node constraints"))
		}
	}
	allErrs = append(allErrs, validatePersistentVolumeSource(&spec.PersistentVolumeSource, pv.Name, nodeAffinitySet)...)
	if spec.HostPath != nil && path.Clean(spec.HostPath.Path) == "/" && spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRecycle {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"))
	}
	if spec.StorageClassName != "" {
		allErrs = append(allErrs, validateName(apivalidation.NameIsDNSSubdomain, spec.StorageClassName, specPath.Child("storageClassName"))...)
	}
	if spec.VolumeMode != nil && !supportedVolumeModes.Has(*spec.VolumeMode) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("volumeMode"), *spec.VolumeMode, sets.List(supportedVolumeModes)))
	}
	if vac := spec.VolumeAttributesClassName; vac != nil {
		if *vac == "" {
			allErrs = append(allErrs, field.Required(specPath.Child("volumeAttributesClassName"), "an empty string is disallowed"))
		} else {
			allErrs = append(allErrs, validateName(apivalidation.NameIsDNSSubdomain, *vac, specPath.Child("volumeAttributesClassName"))...)
		}
		if spec.CSI == nil {
			allErrs = append(allErrs, field.Required(specPath.Child("csi"), "has to be specified when using volumeAttributesClassName"))
		}
	}
	return allErrs
}

func validatePersistentVolumeSource(s *corev1.PersistentVolumeSource, pvName string, nodeAffinitySet bool) field.ErrorList {
	p := specPath
	secretRef := func(ref *corev1.SecretReference, rp *field.Path) field.ErrorList {
		if ref == nil {
			return nil
		}
		var allErrs field.ErrorList
		if ref.Name == "" {
			allErrs = append(allErrs, field.Required(rp.Child("name"), ""))
		} else {
			allErrs = append(allErrs, validateDNS1123Subdomain(ref.Name, rp.Child("name"))...)
		}
		if ref.Namespace == "" {
			allErrs = append(allErrs, field.Required(rp.Child("namespace"), ""))
		} else {
			allErrs = append(allErrs, validateDNS1123Label(ref.Namespace, rp.Child("namespace"))...)
		}
		return allErrs
	}
	return validateOneOf([]volumeType{
		{s.HostPath != nil, "hostPath", func() field.ErrorList { return validateHostPath(s.HostPath, p.Child("hostPath")) }},
		{s.GCEPersistentDisk != nil, "gcePersistentDisk", func() field.ErrorList {
			return validatePD(s.GCEPersistentDisk.PDName == "", "pdName", s.GCEPersistentDisk.Partition, p.Child("persistentDisk"))
		}},
		{s.AWSElasticBlockStore != nil, "awsElasticBlockStore", func() field.ErrorList {
			return validatePD(s.AWSElasticBlockStore.VolumeID == "", "volumeID", s.AWSElasticBlockStore.Partition, p.Child("awsElasticBlockStore"))
		}},
		{s.Glusterfs != nil, "glusterfs", func() field.ErrorList {
			gp := p.Child("glusterfs")
			return append(required(gp.Child("endpoints"), s.Glusterfs.EndpointsName == ""), required(gp.Child("path"), s.Glusterfs.Path == "")...)
		}},
		{s.Flocker != nil, "flocker", func() field.ErrorList { return validateFlocker(s.Flocker, p.Child("flocker")) }},
		{s.NFS != nil, "nfs", func() field.ErrorList { return validateNFS(s.NFS, p.Child("nfs")) }},
		{s.RBD != nil, "rbd", func() field.ErrorList {
			rp := p.Child("rbd")
			return append(required(rp.Child("monitors"), len(s.RBD.CephMonitors) == 0), required(rp.Child("image"), s.RBD.RBDImage == "")...)
		}},
		{s.Quobyte != nil, "quobyte", func() field.ErrorList { return validateQuobyte(s.Quobyte, p.Child("quobyte")) }},
		{s.CephFS != nil, "cephFS", func() field.ErrorList {
			return required(p.Child("cephfs", "monitors"), len(s.CephFS.Monitors) == 0)
		}},
		{s.ISCSI != nil, "iscsi", func() field.ErrorList {
			ip := p.Child("iscsi")
			allErrs := required(ip.Child("targetPortal"), s.ISCSI.TargetPortal == "")
			if s.ISCSI.InitiatorName != nil && len(pvName+":"+s.ISCSI.TargetPortal) > 64 {
				allErrs = append(allErrs, field.Invalid(ip.Child("targetportal"), s.ISCSI.TargetPortal,
					"Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified."))
			}
			return append(allErrs, required(ip.Child("iqn"), s.ISCSI.IQN == "")...)
		}},
		{s.Cinder != nil, "cinder", func() field.ErrorList {
			cp := p.Child("cinder")
			allErrs := required(cp.Child("volumeID"), s.Cinder.VolumeID == "")
			if s.Cinder.SecretRef != nil {
				allErrs = append(allErrs, required(cp.Child("secretRef", "name"), s.Cinder.SecretRef.Name == "")...)
				allErrs = append(allErrs, required(cp.Child("secretRef", "namespace"), s.Cinder.SecretRef.Namespace == "")...)
			}
			return allErrs
		}},
		{s.FC != nil, "fc", func() field.ErrorList { return validateFC(s.FC, p.Child("fc")) }},
		{s.FlexVolume != nil, "flexVolume", func() field.ErrorList {
			return validateFlexOptions(s.FlexVolume.Driver, s.FlexVolume.Options, p.Child("flexVolume"))
		}},
		{s.AzureFile != nil, "azureFile", func() field.ErrorList {
			ap := p.Child("azureFile")
			allErrs := append(required(ap.Child("secretName"), s.AzureFile.SecretName == ""), required(ap.Child("shareName"), s.AzureFile.ShareName == "")...)
			if s.AzureFile.SecretNamespace != nil {
				allErrs = append(allErrs, required(ap.Child("secretNamespace"), *s.AzureFile.SecretNamespace == "")...)
			}
			return allErrs
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
		{s.ScaleIO != nil, "scaleIO", func() field.ErrorList {
			sp := p.Child("scaleIO")
			allErrs := required(sp.Child("gateway"), s.ScaleIO.Gateway == "")
			allErrs = append(allErrs, required(sp.Child("system"), s.ScaleIO.System == "")...)
			return append(allErrs, required(sp.Child("volumeName"), s.ScaleIO.VolumeName == "")...)
		}},
		{s.Local != nil, "local", func() field.ErrorList {
			lp := p.Child("local")
			var allErrs field.ErrorList
			if s.Local.Path == "" {
				allErrs = append(allErrs, field.Required(lp.Child("path"), ""))
			} else {
				allErrs = append(allErrs, validatePathNoBacksteps(s.Local.Path, lp.Child("path"))...)
			}
			if !nodeAffinitySet {
				allErrs = append(allErrs, field.Required(p.Child("nodeAffinity"), "Local volume requires node affinity"))
			}
			return allErrs
		}},
		{s.StorageOS != nil, "storageos", func() field.ErrorList {
			sp := p.Child("storageos")
			allErrs := validateStorageOSNames(s.StorageOS.VolumeName, s.StorageOS.VolumeNamespace, sp)
			if ref := s.StorageOS.SecretRef; ref != nil {
				allErrs = append(allErrs, required(sp.Child("secretRef", "name"), ref.Name == "")...)
				allErrs = append(allErrs, required(sp.Child("secretRef", "namespace"), ref.Namespace == "")...)
			}
			return allErrs
		}},
		{s.CSI != nil, "csi", func() field.ErrorList {
			cp := p.Child("csi")
			allErrs := validateCSIDriverName(s.CSI.Driver, cp.Child("driver"))
			allErrs = append(allErrs, required(cp.Child("volumeHandle"), s.CSI.VolumeHandle == "")...)
			allErrs = append(allErrs, secretRef(s.CSI.ControllerPublishSecretRef, cp.Child("controllerPublishSecretRef"))...)
			allErrs = append(allErrs, secretRef(s.CSI.ControllerExpandSecretRef, cp.Child("controllerExpandSecretRef"))...)
			allErrs = append(allErrs, secretRef(s.CSI.NodePublishSecretRef, cp.Child("nodePublishSecretRef"))...)
			return append(allErrs, secretRef(s.CSI.NodeExpandSecretRef, cp.Child("nodeExpandSecretRef"))...)
		}},
	}, p)
}

// ValidatePersistentVolumeUpdate validates a PersistentVolume update: the
// volume source and mode are immutable.
func ValidatePersistentVolumeUpdate(pv, old *corev1.PersistentVolume) field.ErrorList {
	allErrs := ValidatePersistentVolume(pv)
	allErrs = append(allErrs, validateObjectMetaUpdate(&pv.ObjectMeta, &old.ObjectMeta)...)
	newSrc := pv.Spec.PersistentVolumeSource
	if old.Spec.CSI != nil && old.Spec.CSI.ControllerExpandSecretRef == nil && newSrc.CSI != nil && newSrc.CSI.ControllerExpandSecretRef != nil {
		newSrc = *newSrc.DeepCopy()
		newSrc.CSI.ControllerExpandSecretRef = nil
	}
	if !equality.Semantic.DeepEqual(newSrc, old.Spec.PersistentVolumeSource) {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"),
			fmt.Sprintf("spec.persistentvolumesource is immutable after creation\n%v", specDiff(old.Spec.PersistentVolumeSource, newSrc))))
	}
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(pv.Spec.VolumeMode, old.Spec.VolumeMode, field.NewPath("volumeMode"))...)
	if old.Spec.NodeAffinity != nil && !equality.Semantic.DeepEqual(pv.Spec.NodeAffinity, old.Spec.NodeAffinity) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("nodeAffinity"), pv.Spec.NodeAffinity, "field is immutable, except for updating from beta label to GA"))
	}
	if old.Spec.VolumeAttributesClassName != nil && pv.Spec.VolumeAttributesClassName == nil {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("volumeAttributesClassName"), "update from non-nil value to nil is forbidden"))
	}
	return allErrs
}

// ValidatePersistentVolumeStatusUpdate validates persistentvolumes/status.
func ValidatePersistentVolumeStatusUpdate(pv, old *corev1.PersistentVolume) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&pv.ObjectMeta, &old.ObjectMeta)
	if pv.ResourceVersion == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("resourceVersion"), ""))
	}
	return allErrs
}

// ValidatePersistentVolumeClaim validates a PVC on create.
func ValidatePersistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) field.ErrorList {
	allErrs := validateObjectMeta(&pvc.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(allErrs, validatePersistentVolumeClaimSpec(&pvc.Spec, specPath)...)
}

// ValidatePersistentVolumeClaimSpec checks a claim's spec found at p (a
// StatefulSet's volumeClaimTemplates use it).
func ValidatePersistentVolumeClaimSpec(spec *corev1.PersistentVolumeClaimSpec, p *field.Path) field.ErrorList {
	return validatePersistentVolumeClaimSpec(spec, p)
}

func validatePersistentVolumeClaimSpec(spec *corev1.PersistentVolumeClaimSpec, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(spec.AccessModes) == 0 {
		allErrs = append(allErrs, field.Required(p.Child("accessModes"), "at least 1 access mode is required"))
	}
	if spec.Selector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
	}
	allErrs = append(allErrs, validateAccessModes(spec.AccessModes, p.Child("accessModes"))...)
	sp := p.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		allErrs = append(allErrs, field.Required(sp, ""))
	} else if errs := validatePositiveQuantity(q, sp); len(errs) > 0 {
		allErrs = append(allErrs, errs...)
	} else {
		allErrs = append(allErrs, validateResourceQuantityValue(corev1.ResourceStorage, q, sp)...)
	}
	if spec.StorageClassName != nil && *spec.StorageClassName != "" {
		allErrs = append(allErrs, validateName(apivalidation.NameIsDNSSubdomain, *spec.StorageClassName, p.Child("storageClassName"))...)
	}
	if spec.VolumeMode != nil && !supportedVolumeModes.Has(*spec.VolumeMode) {
		allErrs = append(allErrs, field.NotSupported(p.Child("volumeMode"), *spec.VolumeMode, sets.List(supportedVolumeModes)))
	}
	if ds := spec.DataSource; ds != nil {
		allErrs = append(allErrs, validateDataSource(ds.Name, ds.Kind, ds.APIGroup, p.Child("dataSource"))...)
	}
	if ds := spec.DataSourceRef; ds != nil {
		dp := p.Child("dataSourceRef")
		allErrs = append(allErrs, validateDataSource(ds.Name, ds.Kind, ds.APIGroup, dp)...)
		if ds.Namespace != nil && *ds.Namespace != "" {
			allErrs = append(allErrs, validateName(apivalidation.ValidateNamespaceName, *ds.Namespace, dp.Child("namespace"))...)
		}
	}
	if ref := spec.DataSourceRef; ref != nil && ref.Namespace != nil && *ref.Namespace != "" {
		if spec.DataSource != nil {
			allErrs = append(allErrs, field.Invalid(p, p.Child("dataSource"), "may not be specified when dataSourceRef.namespace is specified"))
		}
	} else if ds := spec.DataSource; ds != nil && ref != nil {
		if !equality.Semantic.DeepEqual(ds.APIGroup, ref.APIGroup) || ds.Kind != ref.Kind || ds.Name != ref.Name {
			allErrs = append(allErrs, field.Invalid(p, p.Child("dataSource"), "must match dataSourceRef"))
		}
	}
	if vac := spec.VolumeAttributesClassName; vac != nil && *vac != "" {
		allErrs = append(allErrs, validateName(apivalidation.NameIsDNSSubdomain, *vac, p.Child("volumeAttributesClassName"))...)
	}
	return allErrs
}

func validateDataSource(name, kind string, apiGroup *string, p *field.Path) field.ErrorList {
	allErrs := required(p.Child("name"), name == "")
	allErrs = append(allErrs, required(p.Child("kind"), kind == "")...)
	group := ""
	if apiGroup != nil {
		group = *apiGroup
	}
	if group == "" && kind != "PersistentVolumeClaim" {
		allErrs = append(allErrs, field.Invalid(p, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
	}
	if group != "" {
		allErrs = append(allErrs, validateDNS1123Subdomain(group, p.Child("apiGroup"))...)
	}
	return allErrs
}

// ValidatePersistentVolumeClaimUpdate validates a PVC update: the spec is
// immutable except volumeName (once), resources.requests (growth only) and
// volumeAttributesClassName for bound claims.
func ValidatePersistentVolumeClaimUpdate(pvc, old *corev1.PersistentVolumeClaim) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&pvc.ObjectMeta, &old.ObjectMeta)
	allErrs = append(allErrs, ValidatePersistentVolumeClaim(pvc)...)
	newSpec, oldSpec := pvc.Spec.DeepCopy(), old.Spec.DeepCopy()
	if old.Spec.VolumeName == "" {
		oldSpec.VolumeName = newSpec.VolumeName
	}
	const betaClass = corev1.BetaStorageClassAnnotation
	oldSC, oldHasAnn := old.Annotations[betaClass]
	newAnn, newHasAnn := pvc.Annotations[betaClass]
	if oldHasAnn && old.Spec.StorageClassName == nil && pvc.Spec.StorageClassName != nil && *pvc.Spec.StorageClassName == oldSC && (!newHasAnn || newAnn == oldSC) {
		newSpec.StorageClassName = nil
	} else {
		if newAnn != oldSC {
			allErrs = append(allErrs, field.Invalid(metaPath.Child("annotations", betaClass), newAnn, apivalidation.FieldImmutableErrorMsg))
		}
		if pvc.Spec.StorageClassName != nil && old.Spec.StorageClassName == nil && (!oldHasAnn || *pvc.Spec.StorageClassName == oldSC) {
			newSpec.StorageClassName = oldSpec.StorageClassName
		}
	}
	if pvc.Status.Phase == corev1.ClaimBound && newSpec.Resources.Requests != nil {
		newSpec.Resources.Requests[corev1.ResourceStorage] = old.Spec.Resources.Requests[corev1.ResourceStorage]
	}
	if pvc.Status.Phase == corev1.ClaimBound && newSpec.VolumeAttributesClassName != nil {
		newSpec.VolumeAttributesClassName = oldSpec.VolumeAttributesClassName
	}
	if !equality.Semantic.DeepEqual(newSpec, oldSpec) {
		allErrs = append(allErrs, field.Forbidden(specPath, fmt.Sprintf(
			"spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n%v", specDiff(*oldSpec, *newSpec))))
	}
	oldSize := old.Spec.Resources.Requests[corev1.ResourceStorage]
	newSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	statusSize := old.Status.Capacity[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) < 0 && newSize.Cmp(statusSize) <= 0 {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than status.capacity"))
	}
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(pvc.Spec.VolumeMode, old.Spec.VolumeMode, field.NewPath("volumeMode"))...)
	if old.Spec.VolumeAttributesClassName != nil {
		vp := specPath.Child("volumeAttributesClassName")
		if pvc.Spec.VolumeAttributesClassName == nil {
			allErrs = append(allErrs, field.Forbidden(vp, "update from non-nil value to nil is forbidden"))
		} else if *pvc.Spec.VolumeAttributesClassName == "" && *old.Spec.VolumeAttributesClassName != "" {
			allErrs = append(allErrs, field.Forbidden(vp, "update from non-nil value to an empty string is forbidden"))
		}
	}
	return allErrs
}

// ValidatePersistentVolumeClaimStatusUpdate validates persistentvolumeclaims/status.
func ValidatePersistentVolumeClaimStatusUpdate(pvc, old *corev1.PersistentVolumeClaim) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&pvc.ObjectMeta, &old.ObjectMeta)
	if pvc.ResourceVersion == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("resourceVersion"), ""))
	}
	if len(pvc.Spec.AccessModes) == 0 {
		allErrs = append(allErrs, field.Required(field.NewPath("Spec", "accessModes"), ""))
	}
	capPath := field.NewPath("status", "capacity")
	for r, q := range pvc.Status.Capacity {
		allErrs = append(allErrs, validateBasicResource(q, capPath.Key(string(r)))...)
	}
	allocPath := field.NewPath("status", "allocatedResources")
	for r, q := range pvc.Status.AllocatedResources {
		allErrs = append(allErrs, validateBasicResource(q, allocPath.Key(string(r)))...)
	}
	return allErrs
}
