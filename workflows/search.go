package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Typed search attributes for operators: every process workflow sets those that apply, so
// `ProfdevProcess = "admission" AND ProfdevOverdue = true` finds what is stuck.
var (
	AttrProcess   = temporal.NewSearchAttributeKeyKeyword("ProfdevProcess")
	AttrStatus    = temporal.NewSearchAttributeKeyKeyword("ProfdevStatus")
	AttrAuthority = temporal.NewSearchAttributeKeyKeyword("ProfdevAuthority")
	AttrAgency    = temporal.NewSearchAttributeKeyKeyword("ProfdevAgency")
	AttrProvider  = temporal.NewSearchAttributeKeyKeyword("ProfdevProvider")
	AttrYear      = temporal.NewSearchAttributeKeyInt64("ProfdevYear")
	AttrOverdue   = temporal.NewSearchAttributeKeyBool("ProfdevOverdue")
)

// SearchAttributes lists the custom search attributes to register on the namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		AttrProcess.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrStatus.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrAuthority.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrAgency.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrProvider.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrYear.GetName():      enumspb.INDEXED_VALUE_TYPE_INT,
		AttrOverdue.GetName():   enumspb.INDEXED_VALUE_TYPE_BOOL,
	}
}
