// Package testing holds builders of pods and nodes for scheduler tests:
//
//	st.Pod("p").Req("cpu", "100m").Obj()
//	st.Node("n").Capacity("cpu", "2").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).Obj()
//
// Import it as st. It is for tests only.
package testing
