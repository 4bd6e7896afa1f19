Feature: Medical necessity
  Which diagnoses place a request for IVIG in CIDP within this policy, which
  ones need review or fall outside it, and the electrodiagnostic and
  prescriber criteria a request must meet.

  # DX-EDX and RX-SPECIALIST are pend statements: they are met here, so they
  # do not apply (nothing pends); the determination lists them as met.
  @source-case
  Scenario: The source case is approved with its dosing figures and safety conditions
    Given a request like the source case
    When the request is assessed
    Then the decision is approve
    And the ideal body weight is 73.2 kg
    And the dosing weight is 73.2 kg (ideal)
    And the loading maximum is 146.4 g
    And the maintenance maximum is 75.0 g
    And the requested loading course is 146.4 g
    And the requested maintenance course is 73.2 g
    And there are no changes
    And there are no reasons
    And the conditions are SAFE-CARDIAC, SAFE-HYDRATION
    And there is no advice
    And DX-CIDP is met
    And DX-EDX is met
    And RX-SPECIALIST is met
    And the authorized courses is 4

  @DX-CIDP @cite.eanpns-2021 @cite.transfusion-ontario-cidp
  Rule: CIDP is an indication for IVIG
    Chronic inflammatory demyelinating polyradiculoneuropathy (CIDP, G61.81), typical or a variant, is an indication for IVIG. IVIG is a first-line treatment of CIDP, with a strong recommendation in the EAN/PNS 2021 guideline.

    Scenario Outline: A diagnosis of CIDP is covered
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is approve
      And DX-CIDP applies
      And there are no reasons

      Examples:
        | diagnoses            |
        | ["G61.81"]           |
        | ["E11.9", "G61.81"]  |

    Scenario Outline: A CIDP code is recognized with or without its dot and in any case
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is approve
      And DX-CIDP applies

      Examples:
        | diagnoses  |
        | ["G6181"]  |
        | ["g61.81"] |

    Scenario: A continuation for CIDP is covered
      Given a continuation request like the source case
      When the request is assessed
      Then DX-CIDP applies
      And the decision is approve

    Scenario Outline: A diagnosis other than CIDP does not meet the criterion
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then DX-CIDP does not apply
      And DX-CIDP is not met
      And nothing is authorized

      Examples:
        | diagnoses  |
        | ["G61.89"] |
        | ["G61.9"]  |
        | ["G61.0"]  |
        | ["G61.82"] |
        | ["E11.9"]  |

    Scenario Outline: A code that is not a billable ICD-10-CM code is rejected, not assessed
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the request is rejected at <path>

      Examples:
        | diagnoses          | path         |
        | ["G61.8"]          | diagnoses[0] |
        | ["G61.81", "G61"]  | diagnoses[1] |
        | ["G6181X"]         | diagnoses[0] |

  @DX-REVIEW @cite.eanpns-2021
  Rule: Other and unspecified inflammatory polyneuropathy needs clinical review
    Other inflammatory polyneuropathy (G61.89) and inflammatory polyneuropathy, unspecified (G61.9) need clinical review before they can be treated as CIDP. This applies only when no CIDP code (G61.81) is present: a CIDP code already places the patient within this policy.

    Scenario Outline: Other or unspecified inflammatory polyneuropathy alone is pended for clinical review
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is pend
      And DX-REVIEW applies
      And the reasons are DX-REVIEW
      And nothing is authorized

      Examples:
        | diagnoses           |
        | ["G61.89"]          |
        | ["G61.9"]           |
        | ["G61.89", "G61.9"] |

    Scenario Outline: A CIDP code spares the review of another inflammatory polyneuropathy code beside it
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then DX-REVIEW does not apply
      And DX-REVIEW is met
      And DX-CIDP applies
      And the decision is approve
      And there are no reasons

      Examples:
        | diagnoses            |
        | ["G61.81", "G61.9"]  |
        | ["G61.89", "G61.81"] |

    Scenario: Unspecified inflammatory polyneuropathy beside multifocal motor neuropathy is pended for review, not denied
      Given a request like the source case
      And diagnoses is ["G61.9", "G61.82"]
      When the request is assessed
      Then the decision is pend
      And DX-REVIEW applies
      And DX-SCOPE does not apply
      And the reasons are DX-REVIEW

    Scenario: A diagnosis of CIDP needs no clinical review of the diagnosis
      Given a request like the source case
      When the request is assessed
      Then DX-REVIEW does not apply
      And DX-REVIEW is met

  @DX-SCOPE @cite.eanpns-2021
  Rule: Diagnoses other than CIDP and inflammatory polyneuropathy are outside this policy
    A request with no diagnosis of CIDP (G61.81) and none of other or unspecified inflammatory polyneuropathy (G61.89, G61.9) is outside the scope of this policy, and IVIG cannot be approved under it. Guillain-Barré syndrome (G61.0) and multifocal motor neuropathy (G61.82) have criteria of their own: on their own they are outside this policy, and beside a code of this policy they change nothing.

    Scenario Outline: A request without a diagnosis of this policy is denied as out of scope
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is deny
      And DX-SCOPE applies
      And the reasons are DX-SCOPE
      And DX-CIDP does not apply
      And nothing is authorized

      Examples:
        | diagnoses            |
        | ["G61.0"]            |
        | ["G61.82"]           |
        | ["G61.0", "G61.82"]  |
        | ["E11.9"]            |
        | ["G62.81"]           |

    Scenario Outline: Guillain-Barré syndrome or multifocal motor neuropathy beside CIDP changes nothing
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is approve
      And DX-SCOPE does not apply
      And DX-SCOPE is met
      And DX-CIDP applies
      And there are no reasons

      Examples:
        | diagnoses            |
        | ["G61.81", "G61.0"]  |
        | ["G61.82", "G61.81"] |

    Scenario: A comorbidity outside this policy does not take a CIDP request out of scope
      Given a request like the source case
      And diagnoses is ["G61.81", "E11.9"]
      When the request is assessed
      Then DX-SCOPE does not apply
      And DX-SCOPE is met
      And the decision is approve

    Scenario: A diagnosis that needs review is pended for it, not denied as out of scope
      Given a request like the source case
      And diagnoses is ["G61.89"]
      When the request is assessed
      Then DX-SCOPE does not apply
      And the reasons are DX-REVIEW

  @DX-EDX @cite.eanpns-2021
  Rule: Electrodiagnostic studies support the diagnosis on an initial request
    On an initial request, electrodiagnostic studies must support the diagnosis of CIDP according to the EAN/PNS 2021 electrodiagnostic criteria. When the studies were not done or their result is not stated, the request is pended for the missing data. When they were done but do not support the diagnosis, the request is pended for clinical review, because possible CIDP needs supportive criteria.

    Scenario: A first request with supportive electrodiagnostic studies meets the criterion
      Given a request like the source case
      And electrodiagnostic is supportive
      When the request is assessed
      Then DX-EDX does not apply
      And the decision is approve
      And there are no reasons

    Scenario: A first request whose electrodiagnostic studies do not support the diagnosis is pended for clinical review
      Given a request like the source case
      And electrodiagnostic is not_supportive
      When the request is assessed
      Then the decision is pend
      And DX-EDX applies
      And the reasons are DX-EDX
      And nothing is authorized

    Scenario: A first request without electrodiagnostic studies is pended for them
      Given a request like the source case
      And electrodiagnostic is not_done
      When the request is assessed
      Then the decision is pend
      And the reasons are DX-EDX
      And DX-EDX is missing electrodiagnostic
      And DX-EDX is unknown
      And nothing is authorized

    Scenario: A first request that does not state the electrodiagnostic result is pended for it
      Given a request like the source case
      And electrodiagnostic is not stated
      When the request is assessed
      Then the decision is pend
      And the reasons are DX-EDX
      And DX-EDX is missing electrodiagnostic
      And DX-EDX is unknown

    Scenario Outline: Electrodiagnostic studies are not asked again on a continuation
      Given a continuation request like the source case
      And electrodiagnostic is <electrodiagnostic>
      When the request is assessed
      Then DX-EDX does not apply
      And DX-EDX is not applicable
      And the decision is approve
      And there are no reasons

      Examples:
        | electrodiagnostic |
        | not_supportive    |
        | not_done          |

    Scenario: A continuation that does not state electrodiagnostic studies is not pended for them
      Given a continuation request like the source case
      And electrodiagnostic is not stated
      When the request is assessed
      Then DX-EDX does not apply
      And DX-EDX is not applicable
      And there are no reasons

  @RX-SPECIALIST @cite.transfusion-ontario-cidp
  Rule: A neurologist prescribes or is consulted
    IVIG for CIDP is prescribed by a neurologist, or in consultation with a neurologist.

    Scenario: IVIG prescribed by a neurologist meets the criterion
      Given a request like the source case
      And prescriber_specialty is neurology
      When the request is assessed
      Then RX-SPECIALIST does not apply
      And the decision is approve

    Scenario: IVIG prescribed by another specialty is pended for clinical review
      Given a request like the source case
      And prescriber_specialty is other
      When the request is assessed
      Then the decision is pend
      And RX-SPECIALIST applies
      And the reasons are RX-SPECIALIST
      And nothing is authorized

    Scenario Outline: A request whose prescriber's specialty is unknown or not stated is pended for it
      Given a request like the source case
      And prescriber_specialty is <specialty>
      When the request is assessed
      Then the decision is pend
      And the reasons are RX-SPECIALIST
      And RX-SPECIALIST is missing prescriber_specialty
      And RX-SPECIALIST is unknown

      Examples:
        | specialty  |
        | unknown    |
        | not stated |

    Scenario: A continuation prescribed by another specialty is pended as well
      Given a continuation request like the source case
      And prescriber_specialty is other
      When the request is assessed
      Then the decision is pend
      And RX-SPECIALIST applies
      And the reasons are RX-SPECIALIST
